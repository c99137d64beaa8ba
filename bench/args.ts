/**
 * The benchmark's command line (parent: which cases and backends; child: one case on one backend)
 * and the line a child prints its result on.
 */
import { BN_VARIANTS } from './types';
import type { BackendArg, BnVariant } from './types';

export const RESULT_PREFIX = 'BENCH_RESULT ';

/** Parent-level case names (what --only takes). */
export const ALL_CASES = ['torch', 'peer-vae', 'peer-enc', 'bn-ab', 'peer-adv', 'peer-idaa', 'small', 'methods', 'inspect', 'inspect-live', 'reference', 'memory', 'long'] as const;
export type CaseName = (typeof ALL_CASES)[number];
/** Child-level cases (what --case takes). */
export const CHILD_CASES = ['probe', 'peer-vae', 'peer-enc', 'peer-adv', 'peer-idaa', 'small', 'methods', 'inspect', 'reference', 'reference-idaa', 'memory', 'memory-idaa', 'long'] as const;
export type ChildCase = (typeof CHILD_CASES)[number];
export const BACKENDS: readonly BackendArg[] = ['wasm', 'cpu', 'tensorflow', 'webgpu'];

export interface Args {
  quick: boolean;
  only?: Set<string>;
  backends?: Set<string>;
  long?: number;
  torch: boolean;
  torchCuda: boolean;
  /** Base name of the results files in bench/results/. */
  out: string;
  childCase?: string;
  backend?: string;
  bn: BnVariant;
  steps?: number;
  warmup?: number;
  batch?: number;
  /** wasm threads of a child (default 1). */
  threads?: number;
}

export const USAGE = `usage: node dist/bench.js [--quick] [--only ${ALL_CASES.join(',')}] [--backends ${BACKENDS.join(',')}] [--long N] [--no-torch] [--torch-cuda] [--out NAME]
       node dist/bench.js --backend ${BACKENDS.join('|')} --case ${CHILD_CASES.join('|')} [--bn engine|moments|tf] [--threads N] [--quick] [--steps N] [--warmup N] [--batch N]`;

/** A bad command line: printed without a stack. */
export class UsageError extends Error {}

export function parseArgs(argv: string[]): Args {
  const a: Args = { quick: false, torch: true, torchCuda: false, out: 'latest', bn: 'engine' };
  const value = (i: number): string => {
    const v = argv[i + 1];
    if (v === undefined || v.startsWith('--')) throw new UsageError(`${argv[i]} needs a value\n${USAGE}`);
    return v;
  };
  const int = (i: number): number => {
    const n = Number(value(i));
    if (!Number.isInteger(n) || n < 0) throw new UsageError(`${argv[i]} needs a non-negative integer, got ${argv[i + 1]}`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    switch (k) {
      case '--quick':
        a.quick = true;
        break;
      case '--no-torch':
        a.torch = false;
        break;
      case '--torch-cuda':
        a.torchCuda = true;
        break;
      case '--out': {
        const v = value(i);
        if (!/^[\w.-]+$/.test(v)) throw new UsageError(`--out takes a file base name (letters, digits, . _ -), got ${v}`);
        a.out = v;
        i++;
        break;
      }
      case '--only':
        a.only = new Set(value(i).split(',').map((s) => s.trim()).filter((s) => s !== ''));
        i++;
        break;
      case '--backends':
        a.backends = new Set(value(i).split(',').map((s) => s.trim()));
        i++;
        break;
      case '--long':
        a.long = int(i);
        i++;
        break;
      case '--case':
        a.childCase = value(i);
        i++;
        break;
      case '--backend':
        a.backend = value(i);
        i++;
        break;
      case '--bn': {
        const v = value(i);
        const variant = BN_VARIANTS.find((x) => x === v);
        if (variant === undefined) throw new UsageError(`--bn takes ${BN_VARIANTS.join(', ')}, got ${v}`);
        a.bn = variant;
        i++;
        break;
      }
      case '--steps':
        a.steps = int(i);
        i++;
        break;
      case '--warmup':
        a.warmup = int(i);
        i++;
        break;
      case '--batch':
        a.batch = int(i);
        i++;
        break;
      case '--threads':
        a.threads = int(i);
        i++;
        break;
      case '--help':
      case '-h':
        process.stderr.write(USAGE + '\n');
        process.exit(0);
        break;
      default:
        throw new UsageError(`unknown argument ${k}\n${USAGE}`);
    }
  }
  for (const c of a.only ?? []) if (!(ALL_CASES as readonly string[]).includes(c)) throw new UsageError(`--only: unknown case ${c}; cases: ${ALL_CASES.join(', ')}`);
  for (const b of a.backends ?? []) if (!(BACKENDS as readonly string[]).includes(b)) throw new UsageError(`--backends: unknown backend ${b}`);
  return a;
}

export const log = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

export function isChildCase(c: string): c is ChildCase {
  return (CHILD_CASES as readonly string[]).includes(c);
}
export function isBackend(b: string): b is BackendArg {
  return (BACKENDS as readonly string[]).includes(b);
}
