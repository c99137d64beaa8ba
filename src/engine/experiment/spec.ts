import { readJsonDocument, resolveConfig } from '../config/resolve';
import { validateAgainstSchema } from '../config/schema';
import { DatasetName, PresetName, RunConfig, RunConfigInput, SslMethodName } from '../config/types';
import { CLAE_EPS, MethodName, parseRow, rowConfig, rowSlug, rowUsesVae } from './rows';

export type { MethodName } from './rows';

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
  /** Per SSL method, laid over the dataset's overrides for every row of that method (e.g. more epochs for a method that learns slowly). */
  methodOverrides?: Partial<Record<SslMethodName, RunConfigInput>>;
  /** ε of the `+clae` rows, in normalised-pixel units (default 0.03, the paper's). */
  claeEps?: number;
}

export interface Cell {
  id: string;
  /** A VAE to pre-train, an SSL row to train, or a calibration row (evaluated, never trained). */
  kind: 'vae' | 'ssl' | 'calibration';
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

/** The cells of a spec, VAE cells first (the IDAA and transfer cells need them), then calibration rows, then SSL rows. */
export function experimentCells(spec: ExperimentSpec, file?: string): Cell[] {
  // Layers, later ones winning: preset, overrides, the dataset's, the SSL method's, then the row's own fields.
  const cellConfig = (dataset: DatasetName, seed: number, extra: RunConfigInput, method?: SslMethodName): RunConfig => {
    const o = spec.overrides ?? {};
    const d = spec.datasetOverrides?.[dataset] ?? {};
    const m = (method && spec.methodOverrides?.[method]) || {};
    return resolveConfig(
      merge(merge(merge(merge({ preset: spec.preset }, o), d), m), { ...extra, seed, data: { ...(o.data ?? {}), ...(d.data ?? {}), ...(m.data ?? {}), ...(extra.data ?? {}), dataset } }),
      file,
    );
  };
  const cells: Cell[] = [];
  const vaeNeeded = new Set<string>();
  const rows: Cell[] = [];
  const claeEps = spec.claeEps ?? CLAE_EPS;
  // Rows without a latent attack borrow the VAE (when the grid has one) for their inspection
  // sheet: what IDAA's positives look like to an encoder trained without them.
  const gridHasIdaa = spec.methods.some((m) => rowUsesVae(parseRow(m)));
  for (const dataset of spec.datasets) {
    for (const method of spec.methods) {
      for (const seed of spec.seeds) {
        const row = parseRow(method);
        const id = `${rowSlug(method)}-${dataset}-s${seed}`;
        // The random encoder is SimCLR's at initialisation: SimCLR's overrides shape it too.
        const config = cellConfig(dataset, seed, rowConfig(row, claeEps), row.kind === 'ssl' ? row.ssl : row.name === 'random-encoder' ? 'simclr' : undefined);
        if (row.kind === 'calibration') {
          rows.push({ id, kind: 'calibration', dataset, method, seed, config });
          continue;
        }
        // ε = 0 and CLAE rows show no latent attack: no sheet, no VAE.
        const sheet = row.variant === 'plain' || row.variant === 'idaa';
        const vaeCell = rowUsesVae(row) || (sheet && gridHasIdaa) ? `vae-${dataset}-s${seed}` : undefined;
        if (vaeCell) vaeNeeded.add(`${dataset}|${seed}`);
        rows.push({ id, kind: 'ssl', dataset, method, seed, vaeCell, config });
      }
    }
  }
  for (const t of spec.transfer ?? []) {
    for (const seed of spec.seeds) {
      vaeNeeded.add(`${t.vaeFrom}|${seed}`);
      const method = t.method ?? 'simclr+idaa';
      const row = parseRow(method);
      // The SimCLR transfer keeps its original id, so existing results folders stay valid.
      const prefix = method === 'simclr+idaa' ? 'transfer' : `transfer-${rowSlug(method)}`;
      rows.push({
        id: `${prefix}-${t.vaeFrom}-to-${t.sslOn}-s${seed}`,
        kind: 'ssl',
        dataset: t.sslOn,
        method,
        seed,
        vaeCell: `vae-${t.vaeFrom}-s${seed}`,
        transferFrom: t.vaeFrom,
        config: cellConfig(t.sslOn, seed, rowConfig(row, claeEps), row.kind === 'ssl' ? row.ssl : undefined),
      });
    }
  }
  for (const key of vaeNeeded) {
    const [dataset, seed] = key.split('|') as [DatasetName, string];
    cells.push({ id: `vae-${dataset}-s${seed}`, kind: 'vae', dataset, seed: Number(seed), config: cellConfig(dataset, Number(seed), { idaa: { enabled: true, adversary: 'latent' } }) });
  }
  // Calibration rows first among the rest: they are quick, and give the bar every SSL row must clear.
  return [...cells, ...rows.filter((c) => c.kind === 'calibration'), ...rows.filter((c) => c.kind !== 'calibration')];
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
