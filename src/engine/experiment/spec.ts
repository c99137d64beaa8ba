import { existsSync, readFileSync } from 'node:fs';
import { resolveConfig } from '../config/resolve';
import { DatasetName, PresetName, RunConfig, RunConfigInput } from '../config/types';
import { ConfigError } from '../../common/errors';

export type MethodName = 'simclr' | 'simclr+idaa';

/** An experiment grid: every dataset × method × seed, plus transfer cells (a VAE of one dataset used on another). */
export interface ExperimentSpec {
  name: string;
  preset: PresetName;
  datasets: DatasetName[];
  methods: MethodName[];
  seeds: number[];
  /** Applied to every cell's config (e.g. epochs, trainLimit, dataset paths). */
  overrides?: RunConfigInput;
  /** Per-dataset overrides (e.g. `{"cifar10": {"data": {"path": "…"}}}`). */
  datasetOverrides?: Partial<Record<DatasetName, RunConfigInput>>;
  transfer?: Array<{ vaeFrom: DatasetName; sslOn: DatasetName }>;
  /** Cells run side by side in separate processes. */
  parallel?: number;
}

export interface Cell {
  id: string;
  kind: 'vae' | 'ssl';
  dataset: DatasetName;
  method?: MethodName;
  seed: number;
  /** For SSL cells with IDAA: the VAE cell whose checkpoint they use (SimCLR cells: for inspection only). */
  vaeCell?: string;
  transferFrom?: DatasetName;
  config: RunConfig;
}

const METHODS: readonly MethodName[] = ['simclr', 'simclr+idaa'];

export function loadExperimentSpec(file: string): ExperimentSpec {
  if (!existsSync(file)) throw new ConfigError('(file)', file, 'an experiment spec JSON file that exists');
  let spec: ExperimentSpec;
  try {
    spec = JSON.parse(readFileSync(file, 'utf8')) as ExperimentSpec;
  } catch (e) {
    throw new ConfigError('(file)', '(not JSON)', `valid JSON: ${(e as Error).message}`, file);
  }
  if (typeof spec.name !== 'string' || !/^[\w.-]+$/.test(spec.name)) throw new ConfigError('name', spec.name, 'letters, digits, ".", "_" or "-"', file);
  if (!Array.isArray(spec.seeds) || spec.seeds.length === 0 || !spec.seeds.every(Number.isInteger)) throw new ConfigError('seeds', spec.seeds, 'a non-empty array of integers', file);
  if (!Array.isArray(spec.methods) || !spec.methods.every((m) => METHODS.includes(m))) throw new ConfigError('methods', spec.methods, `an array of ${METHODS.join(', ')}`, file);
  if (!Array.isArray(spec.datasets) || spec.datasets.length === 0) throw new ConfigError('datasets', spec.datasets, 'a non-empty array of dataset names', file);
  // Resolving every cell's config now reports a bad field before hours of training.
  experimentCells(spec, file);
  return spec;
}

/** The cells of a spec, VAE cells first (the IDAA and transfer cells need them). */
export function experimentCells(spec: ExperimentSpec, file?: string): Cell[] {
  const cellConfig = (dataset: DatasetName, seed: number, extra: RunConfigInput): RunConfig => {
    const o = spec.overrides ?? {};
    const d = spec.datasetOverrides?.[dataset] ?? {};
    return resolveConfig(
      merge(merge(merge({ preset: spec.preset }, o), d), { ...extra, seed, data: { ...(o.data ?? {}), ...(d.data ?? {}), ...(extra.data ?? {}), dataset } }),
      file,
    );
  };
  const cells: Cell[] = [];
  const vaeNeeded = new Set<string>();
  const ssl: Cell[] = [];
  for (const dataset of spec.datasets) {
    for (const method of spec.methods) {
      for (const seed of spec.seeds) {
        const idaa = method === 'simclr+idaa';
        // SimCLR cells train without the VAE but borrow it (when the grid has one) for their
        // inspection sheet: what IDAA's positives look like to an encoder trained without them.
        const gridHasIdaa = spec.methods.includes('simclr+idaa');
        const vaeCell = idaa || gridHasIdaa ? `vae-${dataset}-s${seed}` : undefined;
        if (vaeCell) vaeNeeded.add(`${dataset}|${seed}`);
        ssl.push({ id: `${method.replace('+', '-')}-${dataset}-s${seed}`, kind: 'ssl', dataset, method, seed, vaeCell, config: cellConfig(dataset, seed, { idaa: { enabled: idaa } }) });
      }
    }
  }
  for (const t of spec.transfer ?? []) {
    for (const seed of spec.seeds) {
      vaeNeeded.add(`${t.vaeFrom}|${seed}`);
      ssl.push({
        id: `transfer-${t.vaeFrom}-to-${t.sslOn}-s${seed}`,
        kind: 'ssl',
        dataset: t.sslOn,
        method: 'simclr+idaa',
        seed,
        vaeCell: `vae-${t.vaeFrom}-s${seed}`,
        transferFrom: t.vaeFrom,
        config: cellConfig(t.sslOn, seed, { idaa: { enabled: true } }),
      });
    }
  }
  for (const key of vaeNeeded) {
    const [dataset, seed] = key.split('|') as [DatasetName, string];
    cells.push({ id: `vae-${dataset}-s${seed}`, kind: 'vae', dataset, seed: Number(seed), config: cellConfig(dataset, Number(seed), { idaa: { enabled: true } }) });
  }
  return [...cells, ...ssl];
}

function merge(a: RunConfigInput, b: RunConfigInput): RunConfigInput {
  const out: Record<string, unknown> = { ...(a as Record<string, unknown>) };
  for (const [k, v] of Object.entries(b as Record<string, unknown>)) {
    const prev = out[k];
    out[k] = v && typeof v === 'object' && !Array.isArray(v) && prev && typeof prev === 'object' && !Array.isArray(prev) ? merge(prev as RunConfigInput, v as RunConfigInput) : v;
  }
  return out as RunConfigInput;
}
