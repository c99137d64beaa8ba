/** Which config fields differ between runs (the runs comparison's table). Pure. */

/** "a.b" → value, for every leaf of a config as written (arrays are leaves). */
export function flattenConfig(o: unknown, prefix = '', out: Record<string, unknown> = {}): Record<string, unknown> {
  if (o && typeof o === 'object' && !Array.isArray(o)) {
    for (const [k, v] of Object.entries(o as Record<string, unknown>)) flattenConfig(v, prefix ? `${prefix}.${k}` : k, out);
  } else if (prefix) {
    out[prefix] = o;
  }
  return out;
}

/** The dotted fields whose values differ between the flattened configs (a field one config leaves out differs too), sorted. */
export function differingFields(configs: ReadonlyArray<Record<string, unknown>>): string[] {
  const keys = [...new Set(configs.flatMap((f) => Object.keys(f)))].sort();
  return keys.filter((k) => new Set(configs.map((f) => JSON.stringify(f[k]))).size > 1);
}
