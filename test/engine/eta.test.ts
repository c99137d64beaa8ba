/**
 * The whole-run ETA (src/common/runs/eta.ts): every phase left, each at its own pace, across
 * resumes; pure functions, no clock (times are given).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { estimateEta, paceFromSteps, PaceMeter, phasePlan, SSL_IDAA_VS_VAE_COST, StepTime } from '../../src/common/runs/eta';

const small = { idaa: { enabled: true }, vae: { epochs: 6, batchSize: 64 }, ssl: { epochs: 2, batchSize: 64 } };

test('phasePlan: the phases the trainer runs, as it decides them', () => {
  assert.deepEqual(phasePlan(small), [
    { phase: 'vae', epochs: 6, batchSize: 64 },
    { phase: 'ssl', epochs: 2, batchSize: 64 },
  ]);
  // IDAA off, or a VAE from elsewhere: no VAE phase.
  assert.deepEqual(phasePlan({ ...small, idaa: { enabled: false } }).map((p) => p.phase), ['ssl']);
  assert.deepEqual(phasePlan({ ...small, vae: { ...small.vae, checkpoint: '/runs/a/checkpoints/vae.ckpt' } }).map((p) => p.phase), ['ssl']);
  // A VAE-only job (idaa vae) trains the VAE only, even with IDAA off.
  assert.deepEqual(phasePlan({ ...small, idaa: { enabled: false } }, 'vae').map((p) => p.phase), ['vae']);
  assert.deepEqual(phasePlan({ ...small, vae: { epochs: 0, batchSize: 64 } }).map((p) => p.phase), ['ssl']);
  assert.deepEqual(phasePlan({ ...small, ssl: { epochs: 0, batchSize: 64 } }).map((p) => p.phase), ['vae']);
});

/** Step lines of a phase: `epochs` × `perEpoch` steps, `ms` apart, `boundaryMs` more at each epoch's end. */
function steps(phase: string, epochs: number, perEpoch: number, ms: number, opts: { from?: StepTime; boundaryMs?: number; startEpoch?: number } = {}): StepTime[] {
  const out: StepTime[] = [];
  let t = opts.from ? opts.from.time : 0;
  let step = opts.from ? opts.from.step : 0;
  for (let e = opts.startEpoch ?? 0; e < (opts.startEpoch ?? 0) + epochs; e++) {
    for (let b = 0; b < perEpoch; b++) {
      t += ms + (b === 0 && out.length + (opts.from ? 1 : 0) > 0 ? (opts.boundaryMs ?? 0) : 0);
      out.push({ phase, epoch: e, batch: b, step: ++step, time: t });
    }
  }
  return out;
}

test('paceFromSteps: medians per phase; pauses, resume seams and phase changes do not count as steps', () => {
  const vae = steps('vae', 3, 32, 100, { boundaryMs: 500 });
  const ssl = steps('ssl', 2, 32, 900, { from: vae.at(-1)!, boundaryMs: 2000 });
  // A pause of an hour in the middle of an SSL epoch.
  ssl[10] = { ...ssl[10]!, time: ssl[10]!.time + 3_600_000 };
  for (let i = 11; i < ssl.length; i++) ssl[i] = { ...ssl[i]!, time: ssl[i]!.time + 3_600_000 };
  const pace = paceFromSteps([...vae, ...ssl]);
  assert.equal(pace.vae?.secondsPerStep, 0.1);
  assert.ok(Math.abs(pace.vae!.boundarySeconds - 0.5) < 1e-9, `VAE boundary ${pace.vae!.boundarySeconds}`);
  assert.equal(pace.ssl?.secondsPerStep, 0.9);
  assert.ok(Math.abs(pace.ssl!.boundarySeconds - 2) < 1e-9);
  assert.deepEqual(paceFromSteps([]), {});
  // Non-consecutive steps (a resume from an earlier checkpoint) are no interval.
  assert.deepEqual(paceFromSteps([{ phase: 'ssl', epoch: 0, batch: 0, step: 1, time: 0 }, { phase: 'ssl', epoch: 0, batch: 1, step: 5, time: 100 }]), {});
});

test('estimateEta: the whole run, not the phase (the issue: "1 m 34 s for a 10 min run")', () => {
  const plan = phasePlan(small);
  // Fresh run, VAE epoch 1 of 6, batch 10 of 32 done; VAE 0.2 s/step measured live, SSL not yet measured.
  const eta = estimateEta({ plan, position: { phase: 'vae', epoch: 0, batch: 10, stepsInEpoch: 32 }, liveSecondsPerStep: 0.2 })!;
  const vaeSteps = 5 * 32 + 22;
  const sslSteps = 2 * 32;
  assert.equal(eta.steps, vaeSteps + sslSteps);
  assert.deepEqual(eta.phases.map((p) => [p.phase, p.steps, p.estimated]), [['vae', vaeSteps, false], ['ssl', sslSteps, true]]);
  assert.ok(Math.abs(eta.phases[0]!.seconds - vaeSteps * 0.2) < 1e-9);
  // SSL estimated from the VAE's cost per image × the measured ratio, at the SSL batch size.
  assert.ok(Math.abs(eta.phases[1]!.seconds - sslSteps * (0.2 / 64) * SSL_IDAA_VS_VAE_COST * 64) < 1e-9);
  assert.equal(eta.estimated, true);
  assert.ok(eta.seconds > eta.phases[0]!.seconds * 2, 'the SSL phase dominates, as it does in the demo');
});

test('estimateEta: after a resume the history gives every phase its pace at once (no jump)', () => {
  const plan = phasePlan(small);
  const history = paceFromSteps([...steps('vae', 6, 32, 200, { boundaryMs: 400 }), ...steps('ssl', 1, 32, 1800, { from: { phase: 'vae', epoch: 5, batch: 31, step: 192, time: 6 * 32 * 200 + 5 * 400 }, boundaryMs: 3000 })]);
  // Resumed at SSL epoch 2 (0-based 1), nothing measured live yet.
  const before = estimateEta({ plan, position: { phase: 'ssl', epoch: 1, batch: 0, stepsInEpoch: 32 }, history })!;
  assert.equal(before.estimated, false);
  assert.equal(before.steps, 32);
  // The SSL epoch boundary was never timed (one SSL epoch so far): 0 s for it.
  assert.ok(Math.abs(before.seconds - 32 * 1.8) < 1e-6, `${before.seconds}`);
  // Then the live pace takes over, near the history's: the estimate moves smoothly.
  const after = estimateEta({ plan, position: { phase: 'ssl', epoch: 1, batch: 2, stepsInEpoch: 32 }, history, liveSecondsPerStep: 1.85 })!;
  assert.ok(Math.abs(after.seconds - 30 * 1.85) < 1e-6);
  assert.ok(Math.abs(after.seconds - before.seconds) < 10);
});

test('estimateEta: the SSL phase of a run without IDAA; the last batch of the run; unknown cases', () => {
  const plan = phasePlan({ ...small, idaa: { enabled: false } });
  const e = estimateEta({ plan, position: { phase: 'ssl', epoch: 1, batch: 32, stepsInEpoch: 32 }, liveSecondsPerStep: 1, liveBoundarySeconds: 4 })!;
  assert.equal(e.steps, 0);
  assert.equal(e.seconds, 4, 'only the last epoch end (kNN, final checkpoint) is left');
  assert.equal(e.estimated, false);
  assert.equal(estimateEta({ plan, position: { phase: 'vae', epoch: 0, batch: 0, stepsInEpoch: 32 }, liveSecondsPerStep: 1 }), undefined, 'a phase the plan does not hold');
  assert.equal(estimateEta({ plan, position: { phase: 'ssl', epoch: 0, batch: 3, stepsInEpoch: 32 } }), undefined, 'no pace at all');
  assert.equal(estimateEta({ plan, position: { phase: 'ssl', epoch: 0, batch: 3, stepsInEpoch: 0 }, liveSecondsPerStep: 1 }), undefined);
});

test('estimateEta: steps per epoch of a later phase from the training split and its own batch size', () => {
  const plan = phasePlan({ idaa: { enabled: true }, vae: { epochs: 1, batchSize: 128 }, ssl: { epochs: 3, batchSize: 256 } });
  const e = estimateEta({ plan, position: { phase: 'vae', epoch: 0, batch: 0, stepsInEpoch: 390 }, liveSecondsPerStep: 0.1, trainCount: 50_000 })!;
  assert.deepEqual(
    e.phases.map((p) => p.steps),
    [390, 3 * Math.floor(50_000 / 256)],
  );
});

test('PaceMeter: wall-clock pace over a window; a pause or a phase change starts it afresh', () => {
  const m = new PaceMeter(10_000);
  assert.equal(m.secondsPerStep('ssl'), undefined);
  m.add(0, 10, 'ssl', 1);
  m.add(1000, 12, 'ssl', 1);
  assert.equal(m.secondsPerStep('ssl'), 0.5);
  m.add(2000, 14, 'ssl', 1);
  assert.equal(m.secondsPerStep('ssl'), 0.5);
  assert.equal(m.secondsPerStep('vae'), undefined);
  // An epoch's end: the kNN monitor takes 3 s more; the step pace stays, the boundary is measured apart.
  m.add(5000, 15, 'ssl', 2);
  assert.equal(m.secondsPerStep('ssl'), 0.5);
  assert.equal(m.boundarySeconds('ssl'), 2.5);
  // The machine gets faster: after a window's time only the new pace counts.
  for (let k = 1; k <= 100; k++) m.add(5000 + k * 200, 15 + 2 * k, 'ssl', 2);
  assert.ok(Math.abs(m.secondsPerStep('ssl')! - 0.1) < 1e-9);
  assert.equal(m.boundarySeconds('ssl'), undefined, 'the epoch end left the window');
  // Paused: no pace until two new reports.
  m.reset();
  assert.equal(m.secondsPerStep('ssl'), undefined);
  m.add(100_000, 20, 'ssl', 2);
  assert.equal(m.secondsPerStep('ssl'), undefined);
  m.add(100_600, 22, 'ssl', 2);
  assert.equal(m.secondsPerStep('ssl'), 0.3);
  // A new phase starts afresh; a repeated report changes nothing.
  m.add(101_000, 23, 'vae', 0);
  m.add(101_000, 23, 'vae', 0);
  assert.equal(m.secondsPerStep('vae'), undefined);
  // Epochs of a few steps, reported only at their ends: the pace includes the ends, and no boundary is added on top.
  const short = new PaceMeter();
  for (let e = 0; e < 5; e++) short.add(e * 1000, (e + 1) * 4, 'ssl', e);
  assert.equal(short.secondsPerStep('ssl'), 0.25);
  assert.equal(short.boundarySeconds('ssl'), 0);
});
