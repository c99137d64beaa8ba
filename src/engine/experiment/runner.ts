import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { WASM_THREADS_ENV_VAR } from '../backend/select';
import { join, resolve } from 'node:path';
import { IdaaError } from '../../common/errors';
import { assertCellsMatchSpec, CellResult, readCellResult } from './cell';
import { usesVae } from '../config/adversary';
import { writeReport } from './report';
import { Cell, experimentCells, loadExperimentSpec } from './spec';

export interface ExperimentOptions {
  /** The CLI bundle that runs one cell per process (`idaa experiment-cell`). */
  cli: string;
  outRoot?: string;
  parallel?: number;
  log?: (line: string) => void;
  command?: string;
}

/**
 * Runs every cell of a spec, each in its own process (tfjs backends are per process, and a crash
 * stays in its cell), `parallel` at a time, VAE cells first. Finished cells (result.json) are
 * skipped and cut-short ones continue from their checkpoints, so a killed experiment resumes.
 */
export async function runExperiment(specFile: string, opts: ExperimentOptions): Promise<{ report: string; failed: string[] }> {
  const spec = loadExperimentSpec(specFile);
  const root = resolve(opts.outRoot ?? 'results', spec.name);
  mkdirSync(root, { recursive: true });
  const log = opts.log ?? ((l: string) => console.error(l));
  const cells = experimentCells(spec, specFile);
  // Before any training: a cell folder from an earlier version of the spec would be reused or resumed as if it were this one.
  assertCellsMatchSpec(root, cells);
  const parallel = Math.max(1, opts.parallel ?? spec.parallel ?? 1);
  const threadsPerCell = Math.max(1, Math.min(8, Math.floor(availableParallelism() / parallel)));
  const failed: string[] = [];
  let finished = cells.filter((c) => readCellResult(root, c)).length;
  log(`experiment ${spec.name}: ${cells.length} cells (${finished} already done), ${parallel} at a time, results in ${root}`);
  const started = Date.now();
  // Ctrl-C or SIGTERM: the cells stop at their next batch with a checkpoint, then this process ends.
  const children = new Set<ReturnType<typeof spawn>>();
  const forward = (sig: NodeJS.Signals) => {
    log(`${sig}: stopping the running cells with a checkpoint; run the same command again to continue`);
    for (const c of children) c.kill(sig);
  };
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  let stopping = false;
  process.once('SIGINT', () => (stopping = true));
  process.once('SIGTERM', () => (stopping = true));
  try {
    for (const stage of [cells.filter((c) => c.kind === 'vae'), cells.filter((c) => c.kind !== 'vae')]) {
    const queue = stage.filter((c) => !readCellResult(root, c) && !(c.vaeCell && usesVae(c.config) && failed.includes(c.vaeCell)));
    const worker = async () => {
      for (let c = queue.shift(); c && !stopping; c = queue.shift()) {
        const t0 = Date.now();
        const code = await runCellProcess(opts.cli, specFile, c, opts.outRoot, (l) => log(`  ${c!.id}: ${l}`), children, threadsPerCell);
        if (code === 0) {
          finished++;
          const r = readCellResult(root, c);
          log(`[${finished}/${cells.length}] ${c.id} done in ${((Date.now() - t0) / 1000).toFixed(0)} s${r?.knnFinal !== undefined ? `: kNN ${(r.knnFinal * 100).toFixed(2)}%, probe ${((r.probeFinal ?? NaN) * 100).toFixed(2)}%` : ''} (elapsed ${((Date.now() - started) / 60000).toFixed(1)} min)`);
        } else {
          failed.push(c.id);
          log(`${c.id} FAILED (exit ${code}); the other cells go on; run the experiment again to retry it`);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(parallel, queue.length) }, worker));
    }
  } finally {
    process.off('SIGINT', forward);
    process.off('SIGTERM', forward);
  }
  if (stopping) throw new IdaaError(`experiment ${spec.name} stopped; run the same command again to continue`);
  const results = cells.map((c) => readCellResult(root, c)).filter((r): r is CellResult => r !== undefined);
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  // The protocol's settings (kNN, probe) as the trained cells ran them.
  const c0 = cells.find((c) => c.kind === 'ssl')?.config;
  const report = writeReport(root, spec, results, opts.command ?? `idaa experiment ${specFile}`, `${cpu}, ${cpus().length} cores, Node ${process.version}, ${parallel} cell(s) at a time, wasm threads per cell: ${process.env[WASM_THREADS_ENV_VAR] || threadsPerCell}`, c0);
  log(`report: ${report}`);
  return { report, failed };
}

function runCellProcess(cli: string, specFile: string, cell: Cell, outRoot: string | undefined, log: (l: string) => void, children: Set<ReturnType<typeof spawn>>, threads: number): Promise<number> {
  const args = [cli, 'experiment-cell', specFile, cell.id, '--json', ...(outRoot ? ['--out', outRoot] : [])];
  // Cells running side by side share the cores (results do not depend on the thread count); a user's IDAA_WASM_THREADS wins.
  const env = { ...process.env, [WASM_THREADS_ENV_VAR]: process.env[WASM_THREADS_ENV_VAR] || String(threads) };
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
  children.add(child);
  let lastLog = 0;
  let buf = '';
  child.stdout.on('data', (d: Buffer) => {
    buf += d.toString();
    const lines = buf.split('\n');
    buf = lines.pop() ?? '';
    for (const l of lines) {
      if (!l.startsWith('{')) continue;
      const ev = JSON.parse(l) as { type: string; [k: string]: unknown };
      if (ev.type === 'epoch') log(`${ev.phase} epoch ${Number(ev.epoch) + 1}${ev.knnAccuracy !== undefined ? `, kNN ${(Number(ev.knnAccuracy) * 100).toFixed(2)}%` : ''}`);
      else if (ev.type === 'error') log(`error: ${ev.message}`);
      else if (ev.type === 'step' && Date.now() - lastLog > 60_000) {
        lastLog = Date.now();
        log(`${ev.phase} epoch ${Number(ev.epoch) + 1}, step ${ev.step}, ${Number(ev.imagesPerSec).toFixed(1)} img/s`);
      }
    }
  });
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-4000)));
  return new Promise((res) =>
    child.on('exit', (code) => {
      children.delete(child);
      if (code !== 0) log(err.trim().split('\n').slice(-3).join(' | '));
      res(code ?? 1);
    }),
  );
}

export function findCell(specFile: string, id: string): Cell {
  const spec = loadExperimentSpec(specFile);
  const cell = experimentCells(spec, specFile).find((c) => c.id === id);
  if (!cell) throw new IdaaError(`${specFile}: no cell "${id}"`);
  return cell;
}

export function experimentRoot(specFile: string, outRoot?: string): string {
  return join(resolve(outRoot ?? 'results'), loadExperimentSpec(specFile).name);
}
