import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ConfigError } from '../../common/errors';
import { PRESETS } from './presets';
import { validateAgainstSchema } from './schema';
import { PresetName, RunConfig, RunConfigInput } from './types';

/** Fills a user's partial config from its preset (default "small") and validates the result. */
export function resolveConfig(input: RunConfigInput = {}, file?: string): RunConfig {
  validateAgainstSchema(input, undefined, '', file);
  const preset = (input.preset ?? 'small') as PresetName;
  const merged = deepMerge(structuredClone(PRESETS[preset]) as unknown as Record<string, unknown>, input as Record<string, unknown>) as unknown as RunConfig;
  merged.preset = preset;
  validateAgainstSchema(merged, undefined, '', file);
  crossCheck(merged, file);
  return merged;
}

export function loadConfigFile(file: string): RunConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError('(file)', file, `a readable JSON file (${(e as Error).message})`, file);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new ConfigError('(file)', '(not JSON)', `valid JSON: ${(e as Error).message}`, file);
  }
  return resolveConfig(parsed as RunConfigInput, file);
}

function crossCheck(c: RunConfig, file?: string): void {
  if ((c.data.dataset === 'cifar10' || c.data.dataset === 'cifar100' || c.data.dataset === 'folder') && !c.data.path) {
    throw new ConfigError('data.path', c.data.path, `a folder holding the ${c.data.dataset} data`, file);
  }
  const [lo, hi] = c.augment.cropScale;
  if (lo > hi) throw new ConfigError('augment.cropScale', c.augment.cropScale, '[min, max] with min ≤ max', file);
  if (c.augment.cropRatio[0] > c.augment.cropRatio[1]) throw new ConfigError('augment.cropRatio', c.augment.cropRatio, '[min, max] with min ≤ max', file);
}

function deepMerge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  for (const [k, v] of Object.entries(over)) {
    if (k === '$schema') continue;
    const b = base[k];
    if (v && typeof v === 'object' && !Array.isArray(v) && b && typeof b === 'object' && !Array.isArray(b)) {
      base[k] = deepMerge(b as Record<string, unknown>, v as Record<string, unknown>);
    } else {
      base[k] = v;
    }
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

/** Lists "field: old → new" for every result-determining field that differs. */
export function diffConfigs(a: RunConfig, b: RunConfig): string[] {
  const fa = resultFields(a);
  const fb = resultFields(b);
  const keys = new Set([...Object.keys(fa), ...Object.keys(fb)]);
  return [...keys].filter((k) => JSON.stringify(fa[k]) !== JSON.stringify(fb[k])).map((k) => `${k}: ${JSON.stringify(fa[k])} → ${JSON.stringify(fb[k])}`);
}
