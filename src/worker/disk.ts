/** Runs, checkpoints and probes on disk: idaa/listRuns, listCheckpoints, describeRun, probeHistory. */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeProbeImages, IdaaError, listProbes, loadConfigFile, probeFileName, readMetrics, readProbe, runPaths } from '../engine';
import type { ManifestEntry } from '../engine';
import { runSummary } from '../common/runs/list';
import { CheckpointInfo, DescribeRunRequest, encodeImagePixels, encodePixels, ListCheckpointsRequest, ListRunsRequest, ProbeHistoryRequest, RunSummary } from '../protocol/worker';
import { connection, log, paths } from './context';
import { guarded } from './wire';

export function checkpointInfo(runDir: string, e: ManifestEntry): CheckpointInfo {
  return { ...e, path: join(runPaths(runDir).checkpoints, e.file) };
}

/**
 * The runs under `root`, like listRuns but checked before anything is read: a run folder whose
 * files lead outside the runs folder is left out (and logged), never opened.
 */
function listConfinedRuns(root: string): RunSummary[] {
  const dir = paths.inRuns(root, 'read', { what: 'runs folder' });
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .flatMap((d) => {
      const runDir = join(dir, d.name);
      try {
        paths.runDir(runDir, 'read');
      } catch (e) {
        log((e as Error).message, 'warn', runDir);
        return [];
      }
      return existsSync(runPaths(runDir).config) ? [runSummary(runDir)] : [];
    })
    .sort((a, b) => a.id.localeCompare(b.id));
}

/** A run folder that must hold a config.json. */
function existingRun(requested: string): string {
  const runDir = paths.runDir(requested, 'read');
  if (!existsSync(runPaths(runDir).config)) throw new IdaaError(`${runDir}: not a run folder (no config.json)`);
  return runDir;
}

export function registerDiskRequests(): void {
  connection.onRequest(
    ListRunsRequest.type,
    guarded((params) => listConfinedRuns(params.runsRoot)),
  );

  connection.onRequest(
    ListCheckpointsRequest.type,
    guarded((params) => paths.checkpoints(params.runDir).map((c) => ({ ...c.entry, path: c.path }))),
  );

  connection.onRequest(
    DescribeRunRequest.type,
    guarded((params) => {
      const runDir = existingRun(params.runDir);
      const files = runPaths(runDir);
      let raw: Record<string, unknown> = {};
      let resolved: Record<string, unknown> | undefined;
      let configError: string | undefined;
      try {
        raw = JSON.parse(readFileSync(files.config, 'utf8')) as Record<string, unknown>;
        resolved = loadConfigFile(files.config) as unknown as Record<string, unknown>;
      } catch (e) {
        configError = (e as Error).message;
      }
      const epochs = readMetrics(runDir)
        .filter((m) => m.kind === 'epoch')
        .map((m) => ({ phase: String(m.phase), epoch: Number(m.epoch) + 1, step: m.step, meanLoss: Number(m.meanLoss), seconds: Number(m.seconds), ...(typeof m.knnAccuracy === 'number' ? { knnAccuracy: m.knnAccuracy } : {}) }));
      let checkpoints: CheckpointInfo[] = [];
      try {
        checkpoints = paths.checkpoints(runDir).map((c) => ({ ...c.entry, path: c.path }));
      } catch (e) {
        // As before, an unreadable manifest describes as no checkpoints; a refused entry is said in the log.
        log((e as Error).message, 'warn', runDir);
      }
      return { summary: runSummary(runDir), config: raw, ...(resolved ? { resolved } : {}), ...(configError ? { configError } : {}), checkpoints, epochs };
    }),
  );

  connection.onRequest(
    ProbeHistoryRequest.type,
    guarded((params) => {
      const runDir = existingRun(params.runDir);
      const steps = listProbes(runDir);
      if (params.step === undefined) return { steps };
      if (!steps.includes(params.step)) throw new IdaaError(`${runDir} has no probe at step ${params.step}`);
      paths.runFile(join(runPaths(runDir).probes, probeFileName(params.step)));
      const p = readProbe(runDir, params.step);
      const img = decodeProbeImages(p);
      return {
        steps,
        probe: {
          step: p.step,
          epoch: p.epoch,
          eps: p.eps,
          steps: p.steps,
          lossBefore: p.lossBefore,
          lossAfter: p.lossAfter,
          samples: p.samples,
          images: { x: encodeImagePixels(p.shape, img.x), xAdv: encodeImagePixels(p.shape, img.xAdv), absDiff: encodePixels(p.shape, img.absDiff) },
        },
      };
    }),
  );
}
