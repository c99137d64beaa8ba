import { ConfigError } from '../../common/errors';
import schemaJson from '../../../schemas/run-config.schema.json';

/** The subset of JSON Schema the run-config schema uses; the schema file is the one source of truth. */
export interface SchemaNode {
  type?: 'object' | 'array' | 'string' | 'number' | 'integer' | 'boolean';
  enum?: readonly (string | number)[];
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  multipleOf?: number;
  minItems?: number;
  maxItems?: number;
  items?: SchemaNode;
  properties?: Record<string, SchemaNode>;
  additionalProperties?: boolean;
  description?: string;
}

export const RUN_CONFIG_SCHEMA = schemaJson as unknown as SchemaNode;

/** Throws a ConfigError naming the first field that breaks the schema, its value and what is allowed. */
export function validateAgainstSchema(value: unknown, schema: SchemaNode = RUN_CONFIG_SCHEMA, path = '', file?: string): void {
  const field = path || '(root)';
  const fail = (allowed: string): never => {
    throw new ConfigError(field, value, allowed, file);
  };
  switch (schema.type) {
    case 'object': {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) fail('an object');
      const obj = value as Record<string, unknown>;
      const props = schema.properties ?? {};
      for (const key of Object.keys(obj)) {
        const sub = props[key];
        if (!sub) {
          if (schema.additionalProperties === false) {
            throw new ConfigError(path ? `${path}.${key}` : key, obj[key], `no such field; known fields here: ${Object.keys(props).join(', ')}`, file);
          }
          continue;
        }
        validateAgainstSchema(obj[key], sub, path ? `${path}.${key}` : key, file);
      }
      return;
    }
    case 'array': {
      if (!Array.isArray(value)) fail(`an array${schema.minItems === schema.maxItems && schema.minItems !== undefined ? ` of ${schema.minItems} items` : ''}`);
      const arr = value as unknown[];
      if (schema.minItems !== undefined && arr.length < schema.minItems) fail(`at least ${schema.minItems} items`);
      if (schema.maxItems !== undefined && arr.length > schema.maxItems) fail(`at most ${schema.maxItems} items`);
      if (schema.items) arr.forEach((v, i) => validateAgainstSchema(v, schema.items!, `${field}[${i}]`, file));
      return;
    }
    case 'string':
      if (typeof value !== 'string') fail(schema.enum ? `one of ${schema.enum.map((e) => JSON.stringify(e)).join(', ')}` : 'a string');
      break;
    case 'boolean':
      if (typeof value !== 'boolean') fail('true or false');
      return;
    case 'number':
    case 'integer': {
      const kind = schema.type === 'integer' ? 'an integer' : 'a number';
      if (typeof value !== 'number' || !Number.isFinite(value)) fail(describeRange(schema, kind));
      const n = value as number;
      if (schema.type === 'integer' && !Number.isInteger(n)) fail(describeRange(schema, kind));
      if (schema.minimum !== undefined && n < schema.minimum) fail(describeRange(schema, kind));
      if (schema.maximum !== undefined && n > schema.maximum) fail(describeRange(schema, kind));
      if (schema.exclusiveMinimum !== undefined && n <= schema.exclusiveMinimum) fail(describeRange(schema, kind));
      if (schema.exclusiveMaximum !== undefined && n >= schema.exclusiveMaximum) fail(describeRange(schema, kind));
      if (schema.multipleOf !== undefined && n % schema.multipleOf !== 0) fail(describeRange(schema, kind));
      break;
    }
  }
  if (schema.enum && !schema.enum.includes(value as string | number)) fail(`one of ${schema.enum.map((e) => JSON.stringify(e)).join(', ')}`);
}

function describeRange(s: SchemaNode, kind: string): string {
  const parts = [kind];
  if (s.minimum !== undefined) parts.push(`≥ ${s.minimum}`);
  if (s.exclusiveMinimum !== undefined) parts.push(`> ${s.exclusiveMinimum}`);
  if (s.maximum !== undefined) parts.push(`≤ ${s.maximum}`);
  if (s.exclusiveMaximum !== undefined) parts.push(`< ${s.exclusiveMaximum}`);
  if (s.multipleOf !== undefined) parts.push(`a multiple of ${s.multipleOf}`);
  return parts.join(', ');
}
