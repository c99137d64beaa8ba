import { createHash } from 'node:crypto';
import { ConfigError, ConfigIssue, FileError } from '../../common/errors';
import { readRegularFileSync } from '../../common/fileGuard';
import { JsonDocument, parseJsonText } from '../../common/jsonText';
import { methodDefaults } from './methodDefaults';
import { PRESETS } from './presets';
import { Locate, validateAgainstSchema } from './schema';
import { PresetName, RunConfig, RunConfigInput } from './types';

/**
 * Fills a user's partial config from its preset (default "small") and validates it against the
 * schema, reporting every bad field at once (with its line and column when `locate` is given).
 */
export function resolveConfig(input: RunConfigInput = {}, file?: string, locate?: Locate): RunConfig {
  validateAgainstSchema(input, file, locate);
  const preset = (input.preset ?? 'small') as PresetName;
  const base = structuredClone(PRESETS[preset]);
  // The method's own defaults (heads, optimizer, schedule) sit between the preset and the user's fields.
  const method = input.ssl?.method ?? base.ssl.method;
  base.ssl = { ...base.ssl, method, ...methodDefaults(method, preset, input.ssl?.batchSize ?? base.ssl.batchSize, input.ssl?.lr) };
  const merged = mergeInto(base as unknown as Record<string, unknown>, input as Record<string, unknown>) as unknown as RunConfig;
  merged.preset = preset;
  validateAgainstSchema(merged, file, locate);
  const issues = crossIssues(merged, locate);
  if (issues.length) throw new ConfigError(issues, file);
  return merged;
}

/** Reads, parses (with positions, never setting a prototype) and resolves a config file. */
export function loadConfigFile(file: string): RunConfig {
  const doc = readJsonDocument(file, 'run config');
  return resolveConfig(doc.value as RunConfigInput, file, doc.locate);
}

/** A JSON file of the user's as a document with positions; missing, unreadable and non-JSON files are ConfigErrors naming it. */
export function readJsonDocument(file: string, what: string): JsonDocument {
  let text: string;
  try {
    text = readRegularFileSync(file, { what, maxBytes: MAX_JSON_BYTES }).toString('utf8');
  } catch (e) {
    throw new ConfigError('(file)', file, `${(e as FileError).problem ?? (e as Error).message}; give a readable JSON file`, file);
  }
  return parseJsonText(text, file);
}

/** Config files are small; a bigger one is a mistake (or hostile), not a config. */
const MAX_JSON_BYTES = 16 * 1024 * 1024;

function crossIssues(c: RunConfig, locate?: Locate): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const add = (field: string, value: unknown, allowed: string) => issues.push({ field, value, allowed, ...(locate?.(field.split('.')) ?? {}) });
  if ((c.data.dataset === 'cifar10' || c.data.dataset === 'cifar100' || c.data.dataset === 'folder') && !c.data.path) {
    add('data.path', c.data.path, `a folder holding the ${c.data.dataset} data`);
  }
  if (c.augment.cropScale[0] > c.augment.cropScale[1]) add('augment.cropScale', c.augment.cropScale, '[min, max] with min ≤ max');
  if (c.augment.cropRatio[0] > c.augment.cropRatio[1]) add('augment.cropRatio', c.augment.cropRatio, '[min, max] with min ≤ max');
  return issues;
}

/**
 * Deep-merges `over` into `base` with own properties only: a key such as "__proto__" (which the
 * schema refuses anyway) is defined as plain data and can never reach a prototype.
 */
function mergeInto(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  for (const k of Object.keys(over)) {
    if (k === '$schema') continue;
    const v = over[k];
    const b = Object.hasOwn(base, k) ? base[k] : undefined;
    const value = v && typeof v === 'object' && !Array.isArray(v) && b && typeof b === 'object' && !Array.isArray(b) ? mergeInto(b as Record<string, unknown>, v as Record<string, unknown>) : structuredClone(v);
    Object.defineProperty(base, k, { value, enumerable: true, writable: true, configurable: true });
  }
  return base;
}

/** Fields that do not change the numbers a run produces. */
const COSMETIC = new Set(['name', 'backend', 'checkpoint', 'eval.knnEveryEpochs', 'inspect', 'preset']);

/** The config that determines the result, flattened to "a.b" keys (for fingerprints and diffs). */
export function resultFields(c: RunConfig): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const walk = (o: Record<string, unknown>, prefix: string): void => {
    for (const [k, v] of Object.entries(o)) {
      const key = prefix ? `${prefix}.${k}` : k;
      if (COSMETIC.has(key)) continue;
      if (v && typeof v === 'object' && !Array.isArray(v)) walk(v as Record<string, unknown>, key);
      else out[key] = v;
    }
  };
  walk(c as unknown as Record<string, unknown>, '');
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => a.localeCompare(b)));
}

export function configFingerprint(c: RunConfig): string {
  return createHash('sha256').update(JSON.stringify(resultFields(c))).digest('hex').slice(0, 16);
}

/** Settings that change no number and may be edited before a resume; the resumed run applies them. */
const APPLIED_ON_RESUME = ['name', 'backend', 'checkpoint', 'eval.knnEveryEpochs', 'inspect'] as const;

/**
 * `base` (a checkpoint's config) with the settings of `edited` (config.json) that do not change
 * results, and a "field: old → new" line for each that differs.
 */
export function withEditedSettings(base: RunConfig, edited: RunConfig): { config: RunConfig; changed: string[] } {
  const config = structuredClone(base);
  const changed: string[] = [];
  const get = (o: unknown, path: string[]) => path.reduce<unknown>((v, k) => (v && typeof v === 'object' && Object.hasOwn(v, k) ? (v as Record<string, unknown>)[k] : undefined), o);
  for (const field of APPLIED_ON_RESUME) {
    const path = field.split('.');
    const was = get(base, path);
    const now = get(edited, path);
    if (JSON.stringify(was) === JSON.stringify(now)) continue;
    if (now && typeof now === 'object' && was && typeof was === 'object') {
      for (const k of Object.keys(now)) {
        const a = (was as Record<string, unknown>)[k];
        const b = (now as Record<string, unknown>)[k];
        if (JSON.stringify(a) !== JSON.stringify(b)) changed.push(`${field}.${k}: ${JSON.stringify(a)} → ${JSON.stringify(b)}`);
      }
    } else {
      changed.push(`${field}: ${JSON.stringify(was)} → ${JSON.stringify(now)}`);
    }
    const parent = path.slice(0, -1).reduce<Record<string, unknown>>((o, k) => o[k] as Record<string, unknown>, config as unknown as Record<string, unknown>);
    if (now === undefined) delete parent[path.at(-1)!];
    else parent[path.at(-1)!] = structuredClone(now);
  }
  return { config, changed };
}

/** Lists "field: old → new" for every result-determining field that differs. */
export function diffConfigs(a: RunConfig, b: RunConfig): string[] {
  const fa = resultFields(a);
  const fb = resultFields(b);
  const keys = new Set([...Object.keys(fa), ...Object.keys(fb)]);
  return [...keys].filter((k) => JSON.stringify(fa[k]) !== JSON.stringify(fb[k])).map((k) => `${k}: ${JSON.stringify(fa[k])} → ${JSON.stringify(fb[k])}`);
}
