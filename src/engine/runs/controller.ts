import { IdaaError } from '../../common/errors';
import { Run, RunEvents } from '../train/run';
import { RunStateName, writeRunStatus } from '../../common/runs/state';
import { backendLabel } from '../backend/label';
import { activeBackend } from '../backend/select';

export interface ControllerEvents extends RunEvents {
  state?(state: RunStateName, detail?: string): void;
}

/**
 * Drives a Run through the state machine idle → running ⇄ paused → stopping → completed / stopped /
 * failed. Requests (pause, resume, stop, checkpoint) are honoured at the next batch boundary; a
 * paused run keeps its models in memory; stop writes a final checkpoint. Every transition is
 * recorded in the run folder's state.json so other processes (the CLI's `runs`, the extension's
 * tree) see it.
 */
export class RunController {
  private current: RunStateName = 'idle';
  private pauseRequested = false;
  private stopRequested = false;
  private checkpointWaiters: Array<{ resolve: (file: string) => void; reject: (e: Error) => void }> = [];
  private wake: (() => void) | undefined;

  constructor(
    readonly run: Run,
    readonly runDir: string,
    private readonly events: ControllerEvents = {},
    private readonly vaeOnly = false,
  ) {}

  get state(): RunStateName {
    return this.current;
  }

  /** Trains until the run completes or is stopped; a failure is recorded (state failed, with the reason) and rethrown. */
  async start(): Promise<RunStateName> {
    if (this.current !== 'idle') throw new IdaaError(`this run is already ${this.current}`);
    this.transition('running');
    try {
      // state.json also follows epochs and checkpoints, so `idaa runs` and the tree stay current.
      const events: RunEvents = {
        ...this.events,
        epoch: (r) => {
          this.events.epoch?.(r);
          this.record(this.current);
        },
        checkpoint: (file, bytes) => {
          this.events.checkpoint?.(file, bytes);
          this.record(this.current);
        },
      };
      await this.run.train({ runDir: this.runDir, events, vaeOnly: this.vaeOnly, boundary: () => this.boundary() });
    } catch (e) {
      try {
        this.transition('failed', (e as Error).message);
      } catch {
        // The folder itself may be gone or full: the training's own error is the one to report.
      }
      this.rejectCheckpoints(e as Error);
      throw e;
    }
    this.transition(this.stopRequested ? 'stopped' : 'completed');
    this.rejectCheckpoints(new IdaaError(`the run ${this.current} before the checkpoint was taken`));
    return this.current;
  }

  pause(): void {
    if (this.current !== 'running') throw new IdaaError(`cannot pause a run that is ${this.current}`);
    this.pauseRequested = true;
  }

  resume(): void {
    if (this.current !== 'paused' && !(this.current === 'running' && this.pauseRequested)) throw new IdaaError(`cannot resume a run that is ${this.current}`);
    this.pauseRequested = false;
    this.wake?.();
  }

  stop(): void {
    if (this.current !== 'running' && this.current !== 'paused') throw new IdaaError(`cannot stop a run that is ${this.current}`);
    this.stopRequested = true;
    this.wake?.();
  }

  /** A checkpoint at the next batch boundary (immediately if paused); resolves with its file. */
  requestCheckpoint(): Promise<string> {
    if (this.current !== 'running' && this.current !== 'paused') return Promise.reject(new IdaaError(`cannot checkpoint a run that is ${this.current}`));
    const p = new Promise<string>((resolve, reject) => this.checkpointWaiters.push({ resolve, reject }));
    this.wake?.();
    return p;
  }

  private async boundary(): Promise<'continue' | 'stop'> {
    for (;;) {
      if (this.checkpointWaiters.length) {
        const waiters = this.checkpointWaiters.splice(0);
        try {
          const file = await this.run.saveCheckpoint(this.runDir, 'manual');
          waiters.forEach((w) => w.resolve(file));
        } catch (e) {
          waiters.forEach((w) => w.reject(e as Error));
        }
      }
      if (this.stopRequested) {
        this.transition('stopping');
        return 'stop';
      }
      if (!this.pauseRequested) {
        if (this.current === 'paused') this.transition('running');
        return 'continue';
      }
      if (this.current !== 'paused') this.transition('paused');
      await new Promise<void>((r) => (this.wake = r));
      this.wake = undefined;
    }
  }

  private rejectCheckpoints(e: Error): void {
    this.checkpointWaiters.splice(0).forEach((w) => w.reject(e));
  }

  private transition(state: RunStateName, detail?: string): void {
    this.current = state;
    this.record(state, detail);
    this.events.state?.(state, detail);
  }

  private record(state: RunStateName, detail?: string): void {
    const p = this.run.progress();
    const backend = activeBackend();
    writeRunStatus(this.runDir, {
      state,
      pid: process.pid,
      phase: p.phase,
      epoch: p.epochsDone,
      epochs: p.epochs,
      step: this.run.position.globalStep,
      bestKnnAccuracy: this.run.bestKnn,
      lastKnnAccuracy: this.run.lastKnn,
      job: this.vaeOnly ? 'vae' : 'train',
      ...(backend ? { backend: backendLabel(backend) } : {}),
      ...(detail ? { error: detail } : {}),
    });
  }
}
