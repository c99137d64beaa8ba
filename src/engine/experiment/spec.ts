import { readJsonDocument, resolveConfig } from '../config/resolve';
import { validateAgainstSchema } from '../config/schema';
import { DatasetName, PresetName, RunConfig, RunConfigInput, SslMethodName } from '../config/types';

/** A grid's method: an SSL method alone, or with IDAA (`simsiam+idaa`). */
export type MethodName = SslMethodName | `${SslMethodName}+idaa`;

export function splitMethod(m: MethodName): { ssl: SslMethodName; idaa: boolean } {
  return { ssl: m.replace(/\+idaa$/, '') as SslMethodName, idaa: m.endsWith('+idaa') };
}

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
  /** Transfer cells: the VAE of `vaeFrom` used by `method` (default simclr+idaa) on `sslOn`. */
  transfer?: Array<{ vaeFrom: DatasetName; sslOn: DatasetName; method?: MethodName }>;
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

export function loadExperimentSpec(file: string): ExperimentSpec {
  const doc = readJsonDocument(file, 'experiment spec');
  validateAgainstSchema(doc.value, file, doc.locate, 'experiment-spec');
  const spec = doc.value as ExperimentSpec;
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
        const { ssl: sslMethod, idaa } = splitMethod(method);
        // SimCLR cells train without the VAE but borrow it (when the grid has one) for their
        // inspection sheet: what IDAA's positives look like to an encoder trained without them.
        const gridHasIdaa = spec.methods.some((m) => splitMethod(m).idaa);
        const vaeCell = idaa || gridHasIdaa ? `vae-${dataset}-s${seed}` : undefined;
        if (vaeCell) vaeNeeded.add(`${dataset}|${seed}`);
        ssl.push({ id: `${method.replace('+', '-')}-${dataset}-s${seed}`, kind: 'ssl', dataset, method, seed, vaeCell, config: cellConfig(dataset, seed, { idaa: { enabled: idaa }, ssl: { method: sslMethod } }) });
      }
    }
  }
  for (const t of spec.transfer ?? []) {
    for (const seed of spec.seeds) {
      vaeNeeded.add(`${t.vaeFrom}|${seed}`);
      const method = t.method ?? 'simclr+idaa';
      // The SimCLR transfer keeps its original id, so existing results folders stay valid.
      const prefix = method === 'simclr+idaa' ? 'transfer' : `transfer-${method.replace('+', '-')}`;
      ssl.push({
        id: `${prefix}-${t.vaeFrom}-to-${t.sslOn}-s${seed}`,
        kind: 'ssl',
        dataset: t.sslOn,
        method,
        seed,
        vaeCell: `vae-${t.vaeFrom}-s${seed}`,
        transferFrom: t.vaeFrom,
        config: cellConfig(t.sslOn, seed, { idaa: { enabled: true }, ssl: { method: splitMethod(method).ssl } }),
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
    const prev = Object.hasOwn(out, k) ? out[k] : undefined;
    const value = v && typeof v === 'object' && !Array.isArray(v) && prev && typeof prev === 'object' && !Array.isArray(prev) ? merge(prev as RunConfigInput, v as RunConfigInput) : v;
    // Own data properties only: no key of a spec can reach a prototype.
    Object.defineProperty(out, k, { value, enumerable: true, writable: true, configurable: true });
  }
  return out as RunConfigInput;
}
