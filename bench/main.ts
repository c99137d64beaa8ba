/**
 * IDAA Studio speed benchmark: `npm run bench` (= npm run build && node dist/bench.js).
 *
 *   node dist/bench.js [--quick] [--only case1,case2] [--backends wasm,cpu,tensorflow,webgpu] [--long N] [--no-torch] [--torch-cuda] [--out NAME]
 *
 * The parent process runs each (backend, case) in a child process, because a tfjs backend is
 * process-global:  node dist/bench.js --backend wasm --case peer-enc [--bn tf] [--quick] [--steps N --warmup N]
 * A child prints one line "BENCH_RESULT <json>" on stdout; progress goes to stderr.
 * Results: bench/results/latest.json and bench/results/latest.md (--out NAME: NAME.json, NAME.md). See bench/NOTES.md.
 * webgpu rows run when a child finds a hardware adapter (`--case probe`); --torch-cuda adds PyTorch
 * on CUDA at the peer shapes (bench/gpu/torch_cuda_peer.py), the peer of the webgpu rows.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism, cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { Args, log, parseArgs, RESULT_PREFIX, UsageError } from './args';
import { runChild } from './child';
import { childRecord, plannedJobs, spawnChild } from './jobs';
import { BACKGROUND_THRESHOLD } from './load';
import { renderMarkdown } from './report';
import { checkTorch, PeerWhat, runTorchCudaPeer, runTorchPeer, TORCH_CUDA_SCRIPT, TorchPeerResult } from './torchPeer';
import type { BenchResults, InspectLiveResult, MachineInfo } from './types';

const REPO_ROOT = typeof __dirname === 'string' ? resolve(__dirname, '..') : process.cwd();

function machineInfo(): MachineInfo {
  let cpuModel = cpus()[0]?.model ?? 'unknown';
  try {
    const line = readFileSync('/proc/cpuinfo', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('model name'));
    if (line) cpuModel = line.split(':').slice(1).join(':').trim();
  } catch {
    // not Linux: os.cpus() it is
  }
  const git = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: REPO_ROOT, encoding: 'utf8' });
  const dirty = spawnSync('git', ['status', '--porcelain'], { cwd: REPO_ROOT, encoding: 'utf8' });
  const dirtyFiles = dirty.status === 0 ? dirty.stdout.split('\n').filter((l) => l.trim() !== '').map((l) => l.trim()) : [];
  // A copy without .git (the GPU machine's) is told its commit by bench/gpu/run.sh.
  const commit = git.status === 0 ? git.stdout.trim() + (dirty.status === 0 && dirty.stdout.trim() !== '' ? '+dirty' : '') : (process.env.IDAA_BENCH_COMMIT ?? 'unknown');
  return {
    cpuModel,
    cores: cpus().length,
    availableParallelism: availableParallelism(),
    totalMemGB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    tfjs: tf.version_core,
    gitCommit: commit,
    gitDirty: dirtyFiles.slice(0, 40),
    loadAvgAtStart: loadavg(),
  };
}

function tensorflowAvailable(): { ok: boolean; why?: string } {
  const req = createRequire(join(REPO_ROOT, 'package.json'));
  for (const pkg of ['@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu']) {
    try {
      req.resolve(pkg);
      return { ok: true };
    } catch {
      // try the next one
    }
  }
  return { ok: false, why: '@tensorflow/tfjs-node (optional dependency) is not installed' };
}

async function runParent(args: Args): Promise<void> {
  const t0 = performance.now();
  const resultsDir = join(REPO_ROOT, 'bench', 'results');
  mkdirSync(resultsDir, { recursive: true });
  const tfAvail = tensorflowAvailable();
  const results: BenchResults = {
    kind: 'idaa-studio-bench',
    createdAt: new Date().toISOString(),
    argv: process.argv.slice(2),
    quick: args.quick,
    machine: machineInfo(),
    backends: [
      { backend: 'wasm', available: true },
      { backend: 'cpu', available: true },
      { backend: 'tensorflow', available: tfAvail.ok, ...(tfAvail.ok ? {} : { why: tfAvail.why }) },
    ],
    torch: { availability: checkTorch(REPO_ROOT), results: [] },
    results: [],
    memory: [],
    inspect: [],
    notes: [],
    children: [],
    wallMs: 0,
  };
  const save = (): void => {
    results.wallMs = Math.round(performance.now() - t0);
    results.machine.loadAvgAtEnd = loadavg();
    writeFileSync(join(resultsDir, `${args.out}.json`), JSON.stringify(results, null, 2) + '\n');
    writeFileSync(join(resultsDir, `${args.out}.md`), renderMarkdown(results));
  };
  const m = results.machine;
  log(`[bench] ${m.cpuModel}, ${m.cores} cores, Node ${m.node}, tfjs ${m.tfjs}${args.quick ? ', --quick' : ''}; load average ${m.loadAvgAtStart.map((x) => x.toFixed(2)).join(' ')}`);
  if (!tfAvail.ok) results.notes.push(`tensorflow backend skipped: ${tfAvail.why}`);
  const disturbed: string[] = [];

  const wantTorch = args.torch && (!args.only || args.only.has('torch'));
  if (wantTorch && !results.torch.availability.ok) {
    results.notes.push(`PyTorch peer skipped: ${results.torch.availability.why}`);
    log(`[bench] PyTorch peer skipped: ${results.torch.availability.why}`);
  } else if (wantTorch) {
    const [steps, warm] = args.quick ? [3, 1] : [10, 3];
    for (const threads of [1, 2]) {
      for (const what of ['vae', 'enc', 'adv'] as PeerWhat[]) {
        log(`[torch] ${what} THREADS=${threads} (${steps} steps after ${warm} warm-up)`);
        try {
          const r: TorchPeerResult = runTorchPeer(results.torch.availability, what, threads, steps, warm);
          results.torch.results.push(r);
          log(`[torch] ${what} ${threads}t: ${r.imgPerSec} img/s (${r.medianMs} ms/step; other processes used ${r.backgroundCores ?? '?'} cores)`);
          if ((r.backgroundCores ?? 0) > BACKGROUND_THRESHOLD) disturbed.push(`torch ${what} ${threads}t (${r.backgroundCores} cores)`);
        } catch (e) {
          results.notes.push(`torch ${what} ${threads}t failed: ${(e as Error).message}`);
          log(`[torch] ${(e as Error).message}`);
        }
      }
    }
    save();
  } else if (!args.torch) {
    results.notes.push('PyTorch peer not run (--no-torch)');
  }

  if (args.torchCuda) {
    const cuda: NonNullable<BenchResults['torchCuda']> = { script: TORCH_CUDA_SCRIPT, results: [], errors: [] };
    results.torchCuda = cuda;
    const [steps, warm] = args.quick ? [5, 2] : [30, 5];
    for (const what of ['vae', 'enc', 'adv'] as PeerWhat[]) {
      log(`[torch cuda] ${what} (${steps} steps after ${warm} warm-up)`);
      try {
        const r = runTorchCudaPeer(REPO_ROOT, what, steps, warm);
        cuda.results.push(r);
        log(`[torch cuda] ${what}: ${r.imgPerSec} img/s (${r.medianMs} ms/step on ${r.deviceName ?? 'cuda'}, torch ${r.torchVersion ?? '?'})`);
      } catch (e) {
        cuda.errors.push((e as Error).message);
        results.notes.push(`torch CUDA ${what} failed: ${(e as Error).message}`);
        log(`[torch cuda] ${(e as Error).message}`);
      }
    }
    save();
  }

  // webgpu runs only where a child finds an adapter: it says which, or why there is none.
  let webgpuOk = false;
  if (!args.backends || args.backends.has('webgpu')) {
    const probe = await spawnChild(['--backend', 'webgpu', '--case', 'probe']);
    // A software adapter (SwiftShader) runs the engine's GPU code on the CPU: a correctness tool, no benchmark.
    const software = probe.out !== undefined && !probe.out.backend.summary.startsWith('backend webgpu [GPU');
    webgpuOk = probe.ok && probe.out !== undefined && !software;
    const why = software ? `only a software adapter: ${probe.out?.backend.summary ?? ''}` : (probe.error ?? 'the probe failed');
    const entry: BenchResults['backends'][number] = webgpuOk && probe.out ? { backend: 'webgpu', available: true, info: probe.out.backend } : { backend: 'webgpu', available: false, why };
    results.backends.push(entry);
    if (!webgpuOk) {
      results.notes.push(`webgpu backend skipped: ${entry.why}`);
      log(`[bench] webgpu skipped: ${entry.why}`);
    }
  }

  const jobs = plannedJobs(args, tfAvail.ok, webgpuOk);
  for (const [i, job] of jobs.entries()) {
    log(`[bench] (${i + 1}/${jobs.length}) ${job.backend} ${job.name}: node dist/bench.js ${job.args.join(' ')}`);
    let r = await spawnChild(job.args);
    let args2 = job.args;
    results.children.push(childRecord(job, job.args, r));
    if (!r.ok && job.fallback) {
      log(`[bench] ${job.backend} ${job.name} failed (${r.error}); fallback: node dist/bench.js ${job.fallback.args.join(' ')}`);
      results.notes.push(`${job.fallback.note} (${r.error})`);
      args2 = job.fallback.args;
      r = await spawnChild(args2);
      results.children.push(childRecord(job, args2, r));
    }
    const bg = r.backgroundCores;
    if (r.out) {
      const tag = <T extends { backgroundCores?: number }>(x: T): T => (bg === undefined ? x : { ...x, backgroundCores: bg });
      results.results.push(...r.out.results.map(tag));
      if (r.out.memory) results.memory.push(tag(r.out.memory));
      if (r.out.inspect) results.inspect.push(tag(r.out.inspect));
      results.notes.push(...r.out.notes);
      const entry = results.backends.find((x) => x.backend === job.backend);
      if (entry && !entry.info) entry.info = r.out.backend;
      for (const s of r.out.results) {
        if (s.tensorsPerStep !== 0) results.notes.push(`tensor leak: ${s.backend} ${s.group}/${s.step} leaves ${s.tensorsPerStep} tensors per step`);
      }
      if ((bg ?? 0) > BACKGROUND_THRESHOLD) disturbed.push(`${job.backend} ${job.name} (${bg} cores)`);
    } else {
      log(`[bench] ${job.backend} ${job.name} FAILED: ${r.error}`);
    }
    log(`[bench] ${job.backend} ${job.name} done in ${(r.wallMs / 1000).toFixed(0)} s${bg !== undefined ? ` (other processes used ${bg} cores)` : ''}`);
    save();
  }
  if (args.only ? args.only.has('inspect-live') : true) {
    log('[bench] inspect-live: node dist/benchInspectLive.js (two workers: one trains, one inspects)');
    const live = spawnSync(process.execPath, [join(__dirname, 'benchInspectLive.js'), ...(args.quick ? ['--quick'] : []), '--out', join(tmpdir(), `idaa-inspect-live-${process.pid}.json`)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 64 * 2 ** 20 });
    const line = (live.stdout ?? '').split('\n').find((l) => l.startsWith(RESULT_PREFIX));
    if (live.status === 0 && line) results.inspectLive = JSON.parse(line.slice(RESULT_PREFIX.length)) as InspectLiveResult;
    else results.notes.push(`inspect-live failed: exit ${live.status ?? live.signal}`);
    save();
  }
  for (const mt of results.memory) {
    if (!mt.tensorsFlat) results.notes.push(`tensor count not flat over ${mt.steps} ${mt.what} steps: ${mt.samples.map((s) => s.numTensors).join(' → ')}`);
  }
  for (const ins of results.inspect) {
    for (const [what, x] of [['fresh', ins.fresh], ['ε change', ins.epsChange]] as const) {
      if (x.tensorsPerRun !== 0) results.notes.push(`tensor leak: inspection (${what}) on ${ins.backend} leaves ${x.tensorsPerRun} tensors per run`);
    }
  }
  if (disturbed.length > 0) {
    results.notes.push(`other processes used more than ${BACKGROUND_THRESHOLD} cores during: ${disturbed.join(', ')} — those timings are pessimistic; rerun on an idle machine`);
  }
  save();
  log(`[bench] wrote ${join(resultsDir, `${args.out}.json`)} and ${args.out}.md in ${((performance.now() - t0) / 60000).toFixed(1)} min`);
  process.stderr.write('\n' + readFileSync(join(resultsDir, `${args.out}.md`), 'utf8'));
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (args.childCase !== undefined) await runChild(args);
  else await runParent(args);
}

main().catch((e: unknown) => {
  log(`bench: ${e instanceof UsageError ? e.message : e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  process.exit(1);
});
