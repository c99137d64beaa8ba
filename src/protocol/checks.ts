/**
 * The combinators the protocol checks are written with (webviewChecks.ts, runsCompareChecks.ts):
 * each Check returns undefined for a valid value, else what is wrong with it and where.
 */
export type Check = (v: unknown, path: string) => string | undefined;

export const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
export const num: Check = (v, p) => (typeof v === 'number' && Number.isFinite(v) ? undefined : `${p}: expected a finite number`);
/** Numbers computed by a model may be NaN or ±Infinity; JSON turns those into null. */
export const numOrNull: Check = (v, p) => (typeof v === 'number' || v === null ? undefined : `${p}: expected a number`);
export const int = (min = -Infinity, max = Infinity): Check => (v, p) => (typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max ? undefined : `${p}: expected an integer in ${min}..${max}`);
export const str: Check = (v, p) => (typeof v === 'string' ? undefined : `${p}: expected a string`);
export const bool: Check = (v, p) => (typeof v === 'boolean' ? undefined : `${p}: expected a boolean`);
export const oneOf = (...values: readonly unknown[]): Check => (v, p) => (values.includes(v) ? undefined : `${p}: expected one of ${values.map((x) => JSON.stringify(x)).join(', ')}`);
export const nullable = (c: Check): Check => (v, p) => (v === null ? undefined : c(v, p));
export const arrayOf = (c: Check, maxLength = 1_000_000): Check => (v, p) => {
  if (!Array.isArray(v)) return `${p}: expected an array`;
  if (v.length > maxLength) return `${p}: more than ${maxLength} items`;
  for (let i = 0; i < v.length; i++) {
    const e = c(v[i], `${p}[${i}]`);
    if (e) return e;
  }
  return undefined;
};
export const recordOf = (c: Check): Check => (v, p) => {
  if (!isObj(v)) return `${p}: expected an object`;
  for (const [k, x] of Object.entries(v)) {
    const e = c(x, `${p}.${k}`);
    if (e) return e;
  }
  return undefined;
};
/** Required fields, and optional ones (`key?`). Unknown fields are allowed (newer senders). */
export const obj = (fields: Record<string, Check>): Check => (v, p) => {
  if (!isObj(v)) return `${p}: expected an object`;
  for (const [key, c] of Object.entries(fields)) {
    const optional = key.endsWith('?');
    const k = optional ? key.slice(0, -1) : key;
    if (!(k in v) || v[k] === undefined) {
      if (optional) continue;
      return `${p}.${k}: missing`;
    }
    const e = c(v[k], `${p}.${k}`);
    if (e) return e;
  }
  return undefined;
};

export type Parsed<T> = { ok: true; message: T } | { ok: false; error: string };

/** Checks a message by its `type` against `schemas` (`side` names the sender in errors). */
export function parse<T extends { type: string }>(schemas: Record<string, Check>, v: unknown, side: string): Parsed<T> {
  if (!isObj(v) || typeof v.type !== 'string') return { ok: false, error: `${side} message: expected an object with a string "type"` };
  const schema = Object.prototype.hasOwnProperty.call(schemas, v.type) ? schemas[v.type] : undefined;
  if (!schema) return { ok: false, error: `${side} message: unknown type ${JSON.stringify(v.type).slice(0, 60)}` };
  const e = schema(v, v.type);
  return e ? { ok: false, error: `${side} message ${e}` } : { ok: true, message: v as unknown as T };
}
