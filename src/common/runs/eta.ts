/**
 * How long a run has left: every phase it still trains (the VAE, then SSL), each at its own pace,
 * across resumes. Pure: no I/O and no clock. The host feeds it the run's plan (from its resolved
 * config), where training is now (the worker's progress), the pace of earlier steps (the step lines
 * of metrics.jsonl, which survive resumes) and the pace it measures live; tfjs-free, so the
 * extension host can use it.
 *
 * - A phase's pace is its seconds per optimizer step, measured on the wall clock: live for the
 *   phase training now, else the median step interval of its history (pauses and resume seams are
 *   outliers the median ignores), plus the median extra time at an epoch boundary (kNN monitor,
 *   periodic checkpoint).
 * - A phase not measured yet (the SSL phase while the VAE trains, on a fresh run) is estimated from
 *   a measured one by the cost per image of its step (`SSL_IDAA_VS_VAE_COST`), and the estimate says
 *   so (`estimated`), until its own steps are measured.
 */

export type EtaPhase = 'vae' | 'ssl';

export interface PhasePlan {
  phase: EtaPhase;
  epochs: number;
  batchSize: number;
}

/** The fields of a resolved run config that decide which phases train and how long they are. */
export interface PlanConfig {
  idaa: { enabled: boolean };
  vae: { epochs: number; batchSize: number; checkpoint?: string };
  ssl: { epochs: number; batchSize: number };
}

/**
 * The phases a run trains, in order, as the trainer decides them (src/engine/train/run.ts): the VAE
 * when IDAA is on without a VAE checkpoint from elsewhere (always for a VAE-only job), then SSL
 * unless the job is the VAE only.
 */
export function phasePlan(c: PlanConfig, job: 'train' | 'vae' = 'train'): PhasePlan[] {
  const plan: PhasePlan[] = [];
  const trainsVae = job === 'vae' || (c.idaa.enabled && !c.vae.checkpoint);
  if (trainsVae && c.vae.epochs > 0) plan.push({ phase: 'vae', epochs: c.vae.epochs, batchSize: c.vae.batchSize });
  if (job !== 'vae' && c.ssl.epochs > 0) plan.push({ phase: 'ssl', epochs: c.ssl.epochs, batchSize: c.ssl.batchSize });
  return plan;
}

/** One step line of metrics.jsonl: `epoch` and `batch` 0-based, `time` in ms since the epoch. */
export interface StepTime {
  phase: string;
  epoch: number;
  batch: number;
  step: number;
  time: number;
}

export interface PhasePace {
  /** Wall-clock seconds per optimizer step. */
  secondsPerStep: number;
  /** Extra seconds at each epoch's end (kNN monitor, periodic checkpoint); 0 when unknown. */
  boundarySeconds: number;
  /** How many step intervals the figures come from. */
  samples: number;
}

export type PaceHistory = Partial<Record<EtaPhase, PhasePace>>;

/** Step intervals kept per phase: the most recent ones, so a machine that got busier is seen. */
const HISTORY_INTERVALS = 500;

/**
 * Each phase's pace from its step lines, in file order. Only consecutive steps count (step n → n + 1
 * of the same phase); within an epoch they give the step time, across an epoch boundary the boundary
 * time. Medians: a pause, a resume seam (the step after a restart) or a slow first step is an outlier.
 */
export function paceFromSteps(lines: readonly StepTime[]): PaceHistory {
  const within: Record<EtaPhase, number[]> = { vae: [], ssl: [] };
  const boundary: Record<EtaPhase, number[]> = { vae: [], ssl: [] };
  for (let i = 1; i < lines.length; i++) {
    const a = lines[i - 1]!;
    const b = lines[i]!;
    if (a.phase !== b.phase || (b.phase !== 'vae' && b.phase !== 'ssl') || b.step !== a.step + 1) continue;
    const dt = b.time - a.time;
    if (!Number.isFinite(dt) || dt < 0) continue;
    if (b.epoch === a.epoch && b.batch === a.batch + 1) within[b.phase].push(dt);
    else if (b.epoch === a.epoch + 1 && b.batch === 0) boundary[b.phase].push(dt);
  }
  const out: PaceHistory = {};
  for (const phase of ['vae', 'ssl'] as const) {
    const w = within[phase].slice(-HISTORY_INTERVALS);
    if (w.length === 0) continue;
    const step = median(w);
    const bd = boundary[phase].slice(-HISTORY_INTERVALS);
    out[phase] = { secondsPerStep: step / 1000, boundarySeconds: bd.length ? Math.max(0, median(bd) - step) / 1000 : 0, samples: w.length };
  }
  return out;
}

/**
 * The pace measured now from progress reports (wall clock), over a sliding window: the time between
 * reports of the same epoch divided by the steps between them, and separately the extra time of the
 * report pairs that straddle an epoch's end (kNN monitor, checkpoint). A pause, a resume or a change
 * of phase starts it afresh, so a paused run has no pace and time spent paused never counts.
 */
export class PaceMeter {
  private last: { t: number; step: number; phase: string; epoch: number } | undefined;
  private pairs: Array<{ t: number; dt: number; steps: number; crossing: boolean }> = [];

  constructor(
    /** How far back the window reaches, in ms. */
    private readonly windowMs = 60_000,
  ) {}

  /** A progress report at time `t` (ms): global `step`, `phase`, `epoch` (any numbering, as long as it is consistent). */
  add(t: number, step: number, phase: string, epoch: number): void {
    const l = this.last;
    if (l && (l.phase !== phase || step < l.step || t < l.t)) this.pairs = [];
    else if (l && step > l.step) this.pairs.push({ t, dt: t - l.t, steps: step - l.step, crossing: epoch !== l.epoch });
    if (!l || step !== l.step || phase !== l.phase) this.last = { t, step, phase, epoch };
    while (this.pairs.length > 0 && t - this.pairs[0]!.t > this.windowMs) this.pairs.shift();
  }

  reset(): void {
    this.last = undefined;
    this.pairs = [];
  }

  /**
   * The window's pace: from the pairs within an epoch when they cover two steps or more; else (epochs
   * of a few steps, reported mostly at their ends) from all pairs, which then include the epochs' ends.
   */
  private pace(phase: string): { secondsPerStep: number; withBoundaries: boolean } | undefined {
    if (this.last?.phase !== phase) return undefined;
    const sum = (pairs: typeof this.pairs) => pairs.reduce((a, p) => ({ dt: a.dt + p.dt, steps: a.steps + p.steps }), { dt: 0, steps: 0 });
    const within = sum(this.pairs.filter((p) => !p.crossing));
    if (within.steps >= 2 && within.dt > 0) return { secondsPerStep: within.dt / 1000 / within.steps, withBoundaries: false };
    const all = sum(this.pairs);
    if (all.steps >= 2 && all.dt > 0) return { secondsPerStep: all.dt / 1000 / all.steps, withBoundaries: true };
    return undefined;
  }

  /** Seconds per step in `phase` over the window; undefined until two steps are timed. */
  secondsPerStep(phase: string): number | undefined {
    return this.pace(phase)?.secondsPerStep;
  }

  /** Extra seconds at an epoch's end in the window (median); 0 when the step pace already holds them; undefined when none was seen. */
  boundarySeconds(phase: string): number | undefined {
    const pace = this.pace(phase);
    if (!pace) return undefined;
    if (pace.withBoundaries) return 0;
    const excess = this.pairs.filter((p) => p.crossing).map((p) => Math.max(0, p.dt / 1000 - p.steps * pace.secondsPerStep));
    return excess.length > 0 ? median(excess) : undefined;
  }
}

/**
 * An SSL + IDAA step costs this many times a VAE step per image (measured by `npm run demo` on the
 * small preset: VAE 301 images/s, SimCLR + IDAA 35.4 images/s). Used only for a phase that has not
 * trained yet, and only until it has.
 */
export const SSL_IDAA_VS_VAE_COST = 8.5;

export interface EtaInput {
  plan: readonly PhasePlan[];
  /** Where training is: `epoch` 0-based (the one in progress), `batch` batches done in it, of `stepsInEpoch`. */
  position: { phase: string; epoch: number; batch: number; stepsInEpoch: number };
  /** Pace from earlier steps (this session's and before a resume). */
  history?: PaceHistory;
  /** Seconds per step in the current phase measured just now (PaceMeter). */
  liveSecondsPerStep?: number;
  /** Extra seconds at an epoch's end in the current phase measured just now (PaceMeter). */
  liveBoundarySeconds?: number;
  /** Training images per epoch; default the current phase's steps per epoch × its batch size. */
  trainCount?: number;
}

export interface PhaseEta {
  phase: EtaPhase;
  steps: number;
  seconds: number;
  /** Its pace is derived from another phase's, not measured. */
  estimated: boolean;
}

export interface EtaEstimate {
  /** Seconds until the run's last phase ends. */
  seconds: number;
  /** Steps left, all phases. */
  steps: number;
  /** Some phase's pace is a guess (not measured yet). */
  estimated: boolean;
  phases: PhaseEta[];
}

/**
 * The time left in the whole run: the rest of the current epoch and phase, and every later phase
 * of the plan. Undefined when the position is not in the plan or no pace is known at all.
 */
export function estimateEta(input: EtaInput): EtaEstimate | undefined {
  const { plan, position, history = {} } = input;
  const at = plan.findIndex((p) => p.phase === position.phase);
  if (at < 0 || !(position.stepsInEpoch > 0)) return undefined;
  const current = plan[at]!;
  const trainCount = input.trainCount ?? position.stepsInEpoch * current.batchSize;

  const measured = (phase: EtaPhase): number | undefined => {
    if (phase === current.phase && isPace(input.liveSecondsPerStep)) return input.liveSecondsPerStep;
    const h = history[phase]?.secondsPerStep;
    return isPace(h) ? h : undefined;
  };
  // Seconds per image of each phase that has a measured pace, to derive the others from.
  const perImage = new Map<EtaPhase, number>();
  for (const p of plan) {
    const s = measured(p.phase);
    if (s !== undefined) perImage.set(p.phase, s / p.batchSize);
  }
  if (perImage.size === 0) return undefined;

  const phases: PhaseEta[] = [];
  for (let i = at; i < plan.length; i++) {
    const p = plan[i]!;
    const perEpoch = i === at ? position.stepsInEpoch : Math.floor(trainCount / p.batchSize);
    const epoch = Math.min(Math.max(0, position.epoch), p.epochs);
    const batch = Math.min(Math.max(0, position.batch), perEpoch);
    const steps = i === at ? Math.max(0, (p.epochs - epoch - 1) * perEpoch + (perEpoch - batch)) : p.epochs * perEpoch;
    const boundaries = i === at ? Math.max(0, p.epochs - epoch) : p.epochs;
    let sps = measured(p.phase);
    let estimated = false;
    if (sps === undefined) {
      estimated = true;
      const [from, cost] = perImage.has('vae') ? ['vae' as const, p.phase === 'ssl' ? SSL_IDAA_VS_VAE_COST : 1] : ['ssl' as const, p.phase === 'vae' ? 1 / SSL_IDAA_VS_VAE_COST : 1];
      sps = perImage.get(from)! * cost * p.batchSize;
    }
    const live = p.phase === current.phase && input.liveBoundarySeconds !== undefined && Number.isFinite(input.liveBoundarySeconds) ? input.liveBoundarySeconds : undefined;
    const boundary = Math.max(0, live ?? history[p.phase]?.boundarySeconds ?? 0);
    phases.push({ phase: p.phase, steps, seconds: steps * sps + boundaries * boundary, estimated });
  }
  return {
    seconds: phases.reduce((s, p) => s + p.seconds, 0),
    steps: phases.reduce((s, p) => s + p.steps, 0),
    estimated: phases.some((p) => p.estimated && p.steps > 0),
    phases,
  };
}

function isPace(v: number | undefined): v is number {
  return v !== undefined && Number.isFinite(v) && v > 0;
}

function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}
