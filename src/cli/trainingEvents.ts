/** Progress, JSON events and Ctrl-C handling shared by every command that trains (train, vae, demo, resume, experiment cells). */
import type { ControllerEvents, RunConfig, RunController } from '../engine/index';
import type { Output } from './output';
import { formatDuration } from './progress';

export function trainingEvents(out: Output, config: RunConfig): ControllerEvents {
  return {
    log: (l) => out.log(l),
    step: (r, pos, perEpoch) => {
      out.event({ type: 'step', ...r });
      const c = r.phase === 'vae' ? config.vae : config.ssl;
      const doneBatches = r.epoch * perEpoch + pos.batch;
      const eta = ((c.epochs * perEpoch - doneBatches) * c.batchSize) / r.imagesPerSec;
      out.bar.update(`${r.phase.toUpperCase()} e${r.epoch + 1}/${c.epochs}`, doneBatches, c.epochs * perEpoch, `loss ${r.loss.toFixed(4)} · ${r.imagesPerSec.toFixed(0)} img/s · ETA ${formatDuration(eta)}`);
    },
    epoch: (r) => {
      out.event({ type: 'epoch', ...r });
      out.log(`${r.phase} epoch ${r.epoch + 1}: mean loss ${r.meanLoss.toFixed(4)}${r.knnAccuracy !== undefined ? `, kNN accuracy ${(r.knnAccuracy * 100).toFixed(2)}%` : ''} (${formatDuration(r.seconds)})`);
    },
    checkpoint: (file, bytes) => out.event({ type: 'checkpoint', file, bytes }),
    state: (state, detail) => out.event({ type: 'state', state, ...(detail ? { detail } : {}) }),
  };
}

/** Ctrl-C (or SIGTERM) stops at the next batch with a checkpoint; a second one exits at once. */
export function stopOnSignal(out: Output): { attach: (c: RunController) => void; dispose: () => void } {
  let controller: RunController | undefined;
  let asked = false;
  const handler = (sig: NodeJS.Signals) => {
    if (asked || !controller) process.exit(130);
    asked = true;
    out.log(`${sig}: stopping at the next batch and writing a checkpoint (again to quit at once)`);
    try {
      controller.stop();
    } catch {
      process.exit(130);
    }
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return {
    attach: (c) => (controller = c),
    dispose: () => {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
    },
  };
}
