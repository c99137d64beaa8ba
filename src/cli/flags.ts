/**
 * The command line: the option table, parsing, and the checks every flag passes before any work
 * starts, so a bad value stops the command at once with the flag, the value and what is allowed.
 */
import { parseArgs } from 'node:util';
import runConfigSchema from '../../schemas/run-config.schema.json';
import experimentSpecSchema from '../../schemas/experiment-spec.schema.json';
import { parseWasmThreads } from '../engine/index';
import type { BackendPreference, DatasetName, PresetName, SslMethodName, WasmThreads } from '../engine/index';
import { existingFile, existingFolder, folderOrMissing } from './paths';
import { badValue, UsageError } from './usageError';

export const OPTIONS = {
  config: { type: 'string' },
  preset: { type: 'string' },
  dataset: { type: 'string' },
  method: { type: 'string' },
  'data-path': { type: 'string' },
  'no-idaa': { type: 'boolean' },
  eps: { type: 'string' },
  'attack-steps': { type: 'string' },
  alpha: { type: 'string' },
  seed: { type: 'string' },
  'vae-epochs': { type: 'string' },
  epochs: { type: 'string' },
  'train-limit': { type: 'string' },
  vae: { type: 'string' },
  'run-dir': { type: 'string' },
  backend: { type: 'string' },
  threads: { type: 'string' },
  json: { type: 'boolean' },
  checkpoint: { type: 'string' },
  indices: { type: 'string' },
  steps: { type: 'string' },
  split: { type: 'string' },
  mode: { type: 'string' },
  batch: { type: 'string' },
  out: { type: 'string' },
  'probe-epochs': { type: 'string' },
  from: { type: 'string' },
  force: { type: 'boolean' },
  root: { type: 'string' },
  parallel: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>['values'];

/** Throws parseArgs' own TypeError for an unknown option or a missing value (exit 2 with the usage). */
export function parseCommandLine(argv: string[]): { values: Values; positionals: string[] } {
  const { values, positionals } = parseArgs({ args: joinNegativeNumbers(argv), options: OPTIONS, allowPositionals: true, strict: true });
  return { values, positionals };
}

/**
 * parseArgs takes `--eps -0.5` for a flag without its value; joined as `--eps=-0.5` the value
 * reaches the checks below, which say what is allowed.
 */
function joinNegativeNumbers(argv: string[]): string[] {
  const out: string[] = [];
  const table: Record<string, { type: string }> = OPTIONS;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      out.push(...argv.slice(i));
      break;
    }
    const next = argv[i + 1];
    const takesValue = a.startsWith('--') && !a.includes('=') && table[a.slice(2)]?.type === 'string';
    if (takesValue && next !== undefined && /^-(\d|\.\d)/.test(next)) {
      out.push(`${a}=${next}`);
      i++;
    } else {
      out.push(a);
    }
  }
  return out;
}

/** Every flag, checked and typed. Paths are absolute except `config`, kept as typed so its errors name it so. */
export interface Flags {
  config?: string;
  preset?: PresetName;
  dataset?: DatasetName;
  method?: SslMethodName;
  dataPath?: string;
  noIdaa: boolean;
  eps?: number;
  attackSteps?: number;
  alpha?: number;
  seed?: number;
  vaeEpochs?: number;
  epochs?: number;
  trainLimit?: number;
  vae?: string;
  runDir?: string;
  /** Given with --root (the default root may be missing; a named one must exist where it is read). */
  root?: string;
  backend?: BackendPreference;
  threads?: WasmThreads;
  json: boolean;
  checkpoint?: string;
  indices?: number[];
  steps?: number;
  split?: 'train' | 'test';
  /** inspect: the attack's mode and batch size. */
  mode?: 'training' | 'inference';
  batch?: number;
  /** As typed: the experiment passes it on to its cell processes. */
  out?: string;
  probeEpochs?: number;
  from?: string;
  force: boolean;
  parallel?: number;
  help: boolean;
}

export function validateFlags(v: Values): Flags {
  const f: Flags = { noIdaa: Boolean(v['no-idaa']), json: Boolean(v.json), force: Boolean(v.force), help: Boolean(v.help) };
  if (v.config !== undefined) {
    existingFile('--config', v.config, 'a run config JSON file (schema: schemas/run-config.schema.json)');
    f.config = v.config;
  }
  if (v.preset !== undefined) f.preset = oneOf('--preset', v.preset, configNode('preset')) as PresetName;
  if (v.dataset !== undefined) f.dataset = oneOf('--dataset', v.dataset, configNode('data.dataset')) as DatasetName;
  if (v.method !== undefined) f.method = oneOf('--method', v.method, configNode('ssl.method')) as SslMethodName;
  if (v['data-path'] !== undefined) f.dataPath = existingFolder('--data-path', v['data-path'], "the folder holding the dataset's files");
  f.eps = numberFlag('--eps', v.eps, configNode('idaa.eps'));
  f.attackSteps = numberFlag('--attack-steps', v['attack-steps'], configNode('idaa.steps'));
  f.alpha = numberFlag('--alpha', v.alpha, configNode('idaa.alpha'));
  f.seed = numberFlag('--seed', v.seed, configNode('seed'));
  f.vaeEpochs = numberFlag('--vae-epochs', v['vae-epochs'], configNode('vae.epochs'));
  f.epochs = numberFlag('--epochs', v.epochs, configNode('ssl.epochs'));
  f.trainLimit = numberFlag('--train-limit', v['train-limit'], configNode('data.trainLimit'));
  if (v.vae !== undefined) f.vae = existingFile('--vae', v.vae, 'a checkpoint file (.ckpt) holding a trained VAE');
  if (v['run-dir'] !== undefined) f.runDir = folderOrMissing('--run-dir', v['run-dir'], 'a folder for the run (created if missing)');
  if (v.root !== undefined) f.root = folderOrMissing('--root', v.root, 'a folder of runs');
  if (v.backend !== undefined) f.backend = oneOf('--backend', v.backend, configNode('backend')) as BackendPreference;
  if (v.threads !== undefined) {
    try {
      f.threads = parseWasmThreads(v.threads, '--threads');
    } catch (e) {
      throw new UsageError('--threads', (e as Error).message);
    }
  }
  if (v.checkpoint !== undefined) f.checkpoint = existingFile('--checkpoint', v.checkpoint, 'a checkpoint file (.ckpt; `idaa checkpoints <run-dir>` lists those of a run)');
  if (v.indices !== undefined) f.indices = indicesFlag(v.indices);
  f.steps = numberFlag('--steps', v.steps, configNode('idaa.steps'));
  if (v.split !== undefined) {
    if (v.split !== 'train' && v.split !== 'test') throw badValue('--split', v.split, 'train or test');
    f.split = v.split;
  }
  if (v.mode !== undefined) {
    if (v.mode !== 'training' && v.mode !== 'inference') throw badValue('--mode', v.mode, 'training (the attack a training step makes) or inference (running statistics)');
    f.mode = v.mode;
  }
  f.batch = numberFlag('--batch', v.batch, configNode('ssl.batchSize'));
  if (v.out !== undefined) {
    folderOrMissing('--out', v.out, 'a folder for the output (created if missing)');
    f.out = v.out;
  }
  f.probeEpochs = numberFlag('--probe-epochs', v['probe-epochs'], configNode('eval.probeEpochs'));
  if (v.from !== undefined) f.from = existingFile('--from', v.from, 'a checkpoint file of the run (`idaa checkpoints <run-dir>` lists them)');
  f.parallel = numberFlag('--parallel', v.parallel, schemaNode(experimentSpecSchema as SchemaNode, 'parallel'));
  return f;
}

/** The fields of the JSON schemas the flags stand for: one source for the allowed ranges. */
interface SchemaNode {
  type?: string;
  minimum?: number;
  maximum?: number;
  enum?: readonly unknown[];
  properties?: Record<string, SchemaNode>;
}

function schemaNode(root: SchemaNode, path: string): SchemaNode {
  let n: SchemaNode | undefined = root;
  for (const k of path.split('.')) n = n?.properties?.[k];
  if (!n) throw new Error(`schema has no field ${path}`);
  return n;
}

function configNode(path: string): SchemaNode {
  return schemaNode(runConfigSchema as SchemaNode, path);
}

function describeNumber(s: SchemaNode): string {
  const kind = s.type === 'integer' ? 'a whole number' : 'a number';
  if (s.minimum !== undefined && s.maximum !== undefined) return `${kind} from ${s.minimum} to ${s.maximum}`;
  if (s.minimum !== undefined) return `${kind} ≥ ${s.minimum}`;
  if (s.maximum !== undefined) return `${kind} ≤ ${s.maximum}`;
  return kind;
}

// Decimal notation only: Number() would also take "", " ", "0x10" and "Infinity".
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

function numberFlag(flag: string, raw: string | undefined, s: SchemaNode): number | undefined {
  if (raw === undefined) return undefined;
  const text = raw.trim();
  const n = DECIMAL.test(text) ? Number(text) : NaN;
  const ok = Number.isFinite(n) && (s.type !== 'integer' || Number.isInteger(n)) && (s.minimum === undefined || n >= s.minimum) && (s.maximum === undefined || n <= s.maximum);
  if (!ok) throw badValue(flag, raw, describeNumber(s));
  return n;
}

function oneOf(flag: string, raw: string, s: SchemaNode): string {
  const allowed = (s.enum ?? []).map(String);
  if (!allowed.includes(raw)) throw badValue(flag, raw, allowed.join(' | '));
  return raw;
}

const INDICES_ALLOWED = 'a comma-separated list of sample numbers, each a whole number ≥ 0 (e.g. 0,5,9)';

function indicesFlag(raw: string): number[] {
  if (raw.trim() === '') throw badValue('--indices', raw, INDICES_ALLOWED, 'empty');
  return raw.split(',').map((item, i) => {
    const s = item.trim();
    if (s === '') throw badValue('--indices', raw, INDICES_ALLOWED, `item ${i + 1} is empty`);
    if (!/^\d+$/.test(s) || !Number.isSafeInteger(Number(s))) throw badValue('--indices', raw, INDICES_ALLOWED, `item ${i + 1}, "${s}", is not a whole number ≥ 0`);
    return Number(s);
  });
}
