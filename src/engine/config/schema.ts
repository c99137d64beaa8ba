import Ajv, { ErrorObject } from 'ajv';
import { ConfigError, ConfigIssue } from '../../common/errors';
import type { JsonPath } from '../../common/jsonText';
import runConfigSchema from '../../../schemas/run-config.schema.json';
import experimentSpecSchema from '../../../schemas/experiment-spec.schema.json';

/** The JSON Schema keywords the messages below describe (the schema files are the one source of truth). */
interface SchemaNode {
  type?: string;
  enum?: readonly unknown[];
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  multipleOf?: number;
  minItems?: number;
  maxItems?: number;
  minLength?: number;
  pattern?: string;
  properties?: Record<string, SchemaNode>;
}

export const RUN_CONFIG_SCHEMA: object = runConfigSchema;

// allErrors: report every bad field at once; verbose: errors carry the value and its schema.
const ajv = new Ajv({ allErrors: true, verbose: true, strict: true });
ajv.addSchema(runConfigSchema);
ajv.addSchema(experimentSpecSchema);
const validators = {
  'run-config': ajv.getSchema(runConfigSchema.$id)!,
  'experiment-spec': ajv.getSchema(experimentSpecSchema.$id)!,
};

export type SchemaName = keyof typeof validators;
export type Locate = (path: JsonPath, key?: boolean) => { line: number; column: number } | undefined;

/** Every way `value` breaks the schema, one issue per field, in document order. */
export function schemaIssues(value: unknown, schema: SchemaName = 'run-config', locate?: Locate): ConfigIssue[] {
  const validate = validators[schema];
  if (validate(value)) return [];
  const byField = new Map<string, ConfigIssue>();
  for (const e of validate.errors ?? []) {
    const path = pointerToPath(e.instancePath);
    const issue = describeError(e, path);
    if (!issue || byField.has(issue.field)) continue;
    const where = locate?.(issue.path, issue.key);
    byField.set(issue.field, { field: issue.field, value: issue.value, allowed: issue.allowed, ...(where ?? {}) });
  }
  return [...byField.values()].sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0));
}

/** Throws one ConfigError listing every field of `value` that breaks the schema. */
export function validateAgainstSchema(value: unknown, file?: string, locate?: Locate, schema: SchemaName = 'run-config'): void {
  const issues = schemaIssues(value, schema, locate);
  if (issues.length) throw new ConfigError(issues, file);
}

export function fieldName(path: JsonPath): string {
  let s = '';
  for (const p of path) s += typeof p === 'number' ? `[${p}]` : s ? `.${p}` : p;
  return s || '(root)';
}

function pointerToPath(pointer: string): JsonPath {
  if (!pointer) return [];
  return pointer
    .slice(1)
    .split('/')
    .map((seg) => seg.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((seg) => (/^\d+$/.test(seg) ? Number(seg) : seg));
}

function describeError(e: ErrorObject, path: JsonPath): { field: string; path: JsonPath; key?: boolean; value: unknown; allowed: string } | undefined {
  const schema = (e.parentSchema ?? {}) as SchemaNode;
  switch (e.keyword) {
    case 'additionalProperties': {
      const name = String((e.params as { additionalProperty: string }).additionalProperty);
      const known = Object.keys(schema.properties ?? {}).filter((k) => k !== '$schema');
      const data = e.data as Record<string, unknown>;
      return { field: fieldName([...path, name]), path: [...path, name], key: true, value: data[name], allowed: `no such field; known fields here: ${known.join(', ')}` };
    }
    case 'required': {
      const name = String((e.params as { missingProperty: string }).missingProperty);
      return { field: fieldName([...path, name]), path, value: undefined, allowed: describe(((schema.properties ?? {})[name] ?? {}) as SchemaNode) + ' (required)' };
    }
    case 'minItems':
      return { field: fieldName(path), path, value: e.data, allowed: `at least ${schema.minItems} items` };
    case 'maxItems':
      return { field: fieldName(path), path, value: e.data, allowed: `at most ${schema.maxItems} items` };
    default:
      return { field: fieldName(path), path, value: e.data, allowed: describe(schema) };
  }
}

/** What a schema node allows, in words: "an integer, ≥ 2", "one of "a", "b"". */
function describe(s: SchemaNode): string {
  if (s.enum) return `one of ${s.enum.map((v) => JSON.stringify(v)).join(', ')}`;
  const kind = { object: 'an object', array: 'an array', string: 'a string', number: 'a number', integer: 'an integer', boolean: 'true or false' }[s.type ?? ''] ?? 'a value of the documented kind';
  const parts = [kind];
  if (s.minimum !== undefined) parts.push(`≥ ${s.minimum}`);
  if (s.exclusiveMinimum !== undefined) parts.push(`> ${s.exclusiveMinimum}`);
  if (s.maximum !== undefined) parts.push(`≤ ${s.maximum}`);
  if (s.exclusiveMaximum !== undefined) parts.push(`< ${s.exclusiveMaximum}`);
  if (s.multipleOf !== undefined) parts.push(`a multiple of ${s.multipleOf}`);
  if (s.minItems !== undefined) parts.push(s.minItems === s.maxItems ? `of ${s.minItems} items` : `at least ${s.minItems} items`);
  if (s.minLength !== undefined) parts.push(`at least ${s.minLength} characters`);
  if (s.pattern !== undefined) parts.push(`matching ${s.pattern}`);
  return parts.join(', ');
}
