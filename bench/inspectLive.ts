/**
 * The inspector while a run trains (issue: "live while training"). Two workers, as the extension
 * runs them: one trains a small-preset run, the other serves the inspector from checkpoints on
 * disk. Measured: the ε-change round trip (16 shown samples, the training-mode attack over a batch
 * of 64) with the machine idle and while the run trains, and the run's step time in windows
 * without and with the inspector in use (an ε change every `--every` seconds, a user at the
 * slider), alternating so that drift cancels.
 *
 *   node dist/benchInspectLive.js [--quick] [--window S] [--every S] [--out FILE]
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { getPriority, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { checkpointPath, readManifest } from '../src/common/runs/manifest';
import { InspectRequest, StartRunRequest, StopRequest } from '../src/protocol/worker';
import type { InspectLiveResult } from './types';
import { startWorker, WorkerProcess } from './workerProcess';

interface Args {
  quick: boolean;
  windowS: number;
  everyS: number;
  out: string;
  /** The inspector worker's wasm threads (the extension's setting idaa.inspectorThreads). */
  inspectorThreads: string;
  /** The training worker's priority setting (idaa.trainingPriority). */
  priority: 'background' | 'normal';
}

function parse(argv: string[]): Args {
  const a: Args = { quick: false, windowS: 60, everyS: 2, out: 'bench/results/inspect-live.json', inspectorThreads: '1', priority: 'background' };
  for (let i = 0; i < argv.length; i++) {
    const v = argv[i];
    if (v === '--quick') a.quick = true;
    else if (v === '--window') a.windowS = Number(argv[++i]);
    else if (v === '--every') a.everyS = Number(argv[++i]);
    else if (v === '--out') a.out = argv[++i]!;
    else if (v === '--inspector-threads') a.inspectorThreads = argv[++i]!;
    else if (v === '--training-priority') a.priority = argv[++i] === 'normal' ? 'normal' : 'background';
    else throw new Error(`unknown argument ${v}`);
  }
  if (a.quick) a.windowS = Math.min(a.windowS, 12);
  return a;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const median = (xs: number[]) => {
  const s = [...xs].sort((p, q) => p - q);
  return s.length ? (s.length % 2 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2) : NaN;
};
const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;

/** A small-preset run config; `epochs` long enough to outlast the measurement. */
function runConfig(vaeEpochs: number, sslEpochs: number, trainLimit: number) {
  return { preset: 'small', data: { dataset: 'fashion-mnist', trainLimit, testLimit: 256 }, vae: { epochs: vaeEpochs }, ssl: { epochs: sslEpochs }, inspect: { probeEvery: 0 } };
}

/** The run's final checkpoint, once its manifest lists one. */
function finalCheckpoint(runDir: string): string | undefined {
  try {
    // The SSL phase's final checkpoint, once the run has finished (the worker trains one run at a time).
    const f = readManifest(runDir).checkpoints.find((c) => c.kind === 'final' && c.phase !== 'vae');
    const done = (JSON.parse(readFileSync(join(runDir, 'state.json'), 'utf8')) as { state?: string }).state === 'completed';
    return f && done ? checkpointPath(runDir, f) : undefined;
  } catch {
    return undefined; // not written yet
  }
}

async function waitFor(what: string, check: () => boolean, limitMs: number): Promise<void> {
  const t0 = Date.now();
  while (!check()) {
    if (Date.now() - t0 > limitMs) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

let agreement: InspectLiveResult['modeAgreement'] | undefined;

/** One ε change as the panel sends it; the round-trip time in ms. */
async function epsChange(w: WorkerProcess, checkpoint: string, eps: number): Promise<number> {
  const t0 = performance.now();
  const r = await w.connection.sendRequest(InspectRequest.type, { checkpoint, split: 'test', indices: [...Array(16).keys()], eps, seed: 0 });
  if (r.samples.length !== 16 || r.attack.batch.length !== 64 || r.attack.mode !== 'training') throw new Error('unexpected inspection');
  agreement = { cosine: round(r.attack.agreement.cosine, 3), signAgreement: round(r.attack.agreement.signAgreement, 3) };
  return performance.now() - t0;
}

async function main(): Promise<void> {
  const args = parse(process.argv.slice(2));
  const dist = resolve(__dirname);
  const root = mkdtempSync(join(tmpdir(), 'idaa-live-'));
  const log = (s: string) => process.stderr.write(`${s}\n`);
  const trainer = await startWorker(dist, { backend: 'wasm', wasmThreads: 'auto', runsRoot: root }, { IDAA_WORKER_ROLE: 'training', IDAA_TRAINING_PRIORITY: args.priority });
  const inspector = await startWorker(dist, { backend: 'wasm', wasmThreads: args.inspectorThreads === 'auto' ? 'auto' : Number(args.inspectorThreads), runsRoot: root }, { IDAA_WORKER_ROLE: 'inspector' });
  const trainingNice = trainer.child.pid ? getPriority(trainer.child.pid) : 0;
  try {
    // A checkpoint to inspect: a short small-preset run (1 VAE epoch, 1 SSL epoch on 512 images).
    const prep = join(root, 'prep');
    log('training the checkpoint to inspect…');
    await trainer.connection.sendRequest(StartRunRequest.type, { runDir: prep, config: runConfig(1, 1, 512) });
    await waitFor('the prepared run', () => finalCheckpoint(prep) !== undefined, 20 * 60_000);
    const checkpoint = finalCheckpoint(prep)!;
    log(`checkpoint ${checkpoint}`);

    // Idle: the first request opens the checkpoint; then ε changes.
    const first = await epsChange(inspector, checkpoint, 0.1);
    const idle: number[] = [];
    for (let i = 0; i < (args.quick ? 4 : 10); i++) idle.push(await epsChange(inspector, checkpoint, round(0.05 + 0.01 * i, 3)));
    log(`idle ε change: median ${median(idle).toFixed(0)} ms (first request ${first.toFixed(0)} ms)`);

    // A long run trains; its SSL steps are timed from the worker's step notifications (metrics.jsonl).
    const live = join(root, 'live');
    await trainer.connection.sendRequest(StartRunRequest.type, { runDir: live, config: runConfig(1, 50, 1024) });
    const metrics = join(live, 'metrics.jsonl');
    /** The SSL steps from the run's own log: when each ended (ms since the epoch) and how long its step took (s). */
    const stepLog = (): Array<{ end: number; seconds: number }> =>
      existsSync(metrics)
        ? readFileSync(metrics, 'utf8')
            .split('\n')
            .filter((l) => l.includes('"phase":"ssl"') && l.includes('"kind":"step"'))
            .map((l) => JSON.parse(l) as { time: string; imagesPerSec: number })
            .map((r) => ({ end: Date.parse(r.time), seconds: 64 / r.imagesPerSec }))
        : [];
    const sslSteps = (): number => stepLog().length;
    await waitFor('the SSL phase', () => sslSteps() >= 2, 20 * 60_000);

    const windows: Array<{ kind: 'base' | 'inspect'; steps: number; seconds: number; latencies: number[] }> = [];
    for (const kind of ['base', 'inspect', 'base', 'inspect'] as const) {
      const wall0 = Date.now();
      const t0 = performance.now();
      const latencies: number[] = [];
      while (performance.now() - t0 < args.windowS * 1000) {
        if (kind === 'inspect') {
          const tick = performance.now();
          latencies.push(await epsChange(inspector, checkpoint, round(0.05 + 0.01 * (latencies.length % 20), 3)));
          await sleep(Math.max(0, args.everyS * 1000 - (performance.now() - tick)));
        } else {
          await sleep(250);
        }
      }
      const wall1 = Date.now();
      // The steps that ended inside the window, each timed by the trainer itself (the epochs' kNN
      // monitor and checkpoint writes between steps are left out: they are not what the inspector slows).
      const inside = stepLog().filter((r) => r.end >= wall0 && r.end <= wall1);
      const steps = inside.length;
      const seconds = inside.reduce((sum, r) => sum + r.seconds, 0);
      windows.push({ kind, steps, seconds, latencies });
      log(`${kind} window: ${steps} SSL steps taking ${seconds.toFixed(1)} s (${(steps / seconds).toFixed(3)} steps/s)${latencies.length ? `, ε change median ${median(latencies).toFixed(0)} ms` : ''}`);
    }
    await trainer.connection.sendRequest(StopRequest.type, { runDir: live });

    const rate = (k: 'base' | 'inspect') => {
      const w = windows.filter((x) => x.kind === k);
      return w.reduce((s, x) => s + x.steps, 0) / w.reduce((s, x) => s + x.seconds, 0);
    };
    const during = windows.flatMap((w) => w.latencies);
    const result: InspectLiveResult = {
      inspectorThreads: args.inspectorThreads,
      trainingNice,
      what: 'inspector ε change (16 shown samples, training-mode attack over a batch of 64, small preset) idle and while a small-preset run trains in another worker; training throughput without and with the inspector in use',
      everyS: args.everyS,
      windowS: args.windowS,
      firstRequestMs: round(first),
      modeAgreement: agreement ?? { cosine: NaN, signAgreement: NaN },
      idle: { medianMs: round(median(idle)), runsMs: idle.map((x) => round(x)) },
      duringTraining: { medianMs: round(median(during)), runsMs: during.map((x) => round(x)) },
      latencyRatio: round(median(during) / median(idle), 2),
      training: {
        baseStepsPerS: round(rate('base'), 3),
        inspectStepsPerS: round(rate('inspect'), 3),
        throughputLoss: round(1 - rate('inspect') / rate('base'), 3),
        windows: windows.map((w) => ({ kind: w.kind, steps: w.steps, seconds: round(w.seconds) })),
      },
    };
    writeFileSync(args.out, JSON.stringify(result, null, 2) + '\n');
    writeFileSync(args.out.replace(/\.json$/, '.md'), markdown(result));
    log(`latency ratio ${result.latencyRatio} (target ≤ 1.5); training throughput loss ${(result.training.throughputLoss * 100).toFixed(1)}% (target ≤ 15%)`);
    process.stdout.write(`BENCH_RESULT ${JSON.stringify(result)}\n`);
  } finally {
    await Promise.all([trainer.close(), inspector.close()]);
    rmSync(root, { recursive: true, force: true });
  }
}

function markdown(r: InspectLiveResult): string {
  return [
    '# Inspector while training',
    '',
    `Two workers as the extension runs them (the inspector's with ${r.inspectorThreads} wasm thread(s), the training worker at nice ${r.trainingNice}); small preset; ε change = 16 shown samples, training-mode attack over a batch of 64 (round trip over IPC).`,
    '',
    `| | value | target |`,
    `|---|---|---|`,
    `| ε change, idle (median) | ${r.idle.medianMs} ms | |`,
    `| ε change, while training (median) | ${r.duringTraining.medianMs} ms | |`,
    `| ratio | ${r.latencyRatio}× | ≤ 1.5× |`,
    `| training steps/s, inspector unused | ${r.training.baseStepsPerS} | |`,
    `| training steps/s, an ε change every ${r.everyS} s | ${r.training.inspectStepsPerS} | |`,
    `| throughput loss | ${(r.training.throughputLoss * 100).toFixed(1)}% | ≤ 15% |`,
    '',
    `Training- vs inference-mode latent gradients on this checkpoint's batch: cosine ${r.modeAgreement.cosine}, signs agree ${(r.modeAgreement.signAgreement * 100).toFixed(0)}%.`,
    '',
    `First request (opens the checkpoint): ${r.firstRequestMs} ms. Windows of ${r.windowS} s, alternating without / with the inspector.`,
    '',
  ].join('\n');
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
