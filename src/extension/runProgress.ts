/**
 * The one source of a training run's position, speed and ETA in this window: the Runs tree, the
 * status bar and notifications all read a `LiveView` from here (through RunManager.view), and write
 * it with src/common/runs/display.ts, so they cannot disagree.
 *
 * - Position: the worker's latest progress report while the run trains; state.json otherwise.
 * - Speed: the latest images/s while running; none while paused (nothing is being computed).
 * - ETA: src/common/runs/eta.ts over the whole run: the plan (every phase, from the resolved config
 *   the worker describes), the pace of earlier steps (metrics.jsonl, which survives resumes) and
 *   the pace measured here on the wall clock.
 */
import { readMetrics } from '../common/runs/metricsLog';
import { estimateEta, EtaEstimate, PaceHistory, paceFromSteps, PaceMeter, PhasePlan, phasePlan, PlanConfig, StepTime } from '../common/runs/eta';
import { positionFromProgress, positionFromStatus, RunPosition } from '../common/runs/display';
import type { ProgressParams, RunStateName, RunStatus } from '../protocol/worker';

export interface LiveView {
  state: RunStateName;
  position: RunPosition;
  /** Images per second now; absent unless the run is running. */
  imagesPerSec?: number;
  /** Time left in the whole run; absent unless running and a pace is known. */
  eta?: EtaEstimate;
}

export class RunProgress {
  private plan: PhasePlan[] | undefined;
  private history: PaceHistory = {};
  private trainCount: number | undefined;
  private readonly meter = new PaceMeter();
  progress: ProgressParams | undefined;

  constructor(readonly runDir: string) {}

  /** The run's phases and sizes, from its resolved config (the worker's describeRun) and its job. */
  setPlan(resolved: PlanConfig & { data?: { trainLimit?: number } }, job: 'train' | 'vae' = 'train'): void {
    this.plan = phasePlan(resolved, job);
    const limit = resolved.data?.trainLimit;
    if (typeof limit === 'number' && limit > 0) this.trainCount = limit;
  }

  get hasPlan(): boolean {
    return this.plan !== undefined;
  }

  /** The pace of every step the run took so far (metrics.jsonl: this session's and before resumes). */
  loadHistory(): void {
    try {
      const steps: StepTime[] = [];
      for (const l of readMetrics(this.runDir)) {
        if (l.kind !== 'step') continue;
        const time = Date.parse(String(l.time));
        if (!Number.isFinite(time)) continue;
        steps.push({ phase: String(l.phase), epoch: Number(l.epoch), batch: Number(l.batch), step: l.step, time });
      }
      this.history = paceFromSteps(steps);
    } catch {
      this.history = {}; // an unreadable log: the live pace takes over
    }
  }

  onProgress(p: ProgressParams, now: number): void {
    this.progress = p;
    this.meter.add(now, p.step, p.phase, p.epoch);
  }

  /** Pause, resume, stop or a new start: the live pace starts again (time paused is not training time). */
  onState(): void {
    this.meter.reset();
  }

  view(state: RunStateName, status?: RunStatus): LiveView {
    const p = this.progress;
    const live = p && (state === 'running' || state === 'paused' || state === 'stopping');
    const position = live ? positionFromProgress(p) : status ? positionFromStatus(status) : {};
    const out: LiveView = { state, position };
    if (state === 'running' && p) {
      out.imagesPerSec = p.imagesPerSec;
      // The training split holds between stepsInEpoch × batch and one batch more (the last partial batch is dropped), and at most trainLimit.
      const b = this.plan ? batchOf(this.plan, p.phase) : 1;
      const trainCount = this.trainCount !== undefined ? Math.min(this.trainCount, p.stepsInEpoch * b + b - 1) : undefined;
      const eta = this.plan
        ? estimateEta({
            plan: this.plan,
            position: { phase: p.phase, epoch: p.epoch - 1, batch: p.batch, stepsInEpoch: p.stepsInEpoch },
            history: this.history,
            liveSecondsPerStep: this.meter.secondsPerStep(p.phase),
            liveBoundarySeconds: this.meter.boundarySeconds(p.phase),
            ...(trainCount !== undefined ? { trainCount } : {}),
          })
        : undefined;
      if (eta) out.eta = eta;
    }
    return out;
  }
}

function batchOf(plan: PhasePlan[], phase: string): number {
  return plan.find((p) => p.phase === phase)?.batchSize ?? 1;
}
