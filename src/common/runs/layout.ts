import { join } from 'node:path';

/** The files of a run folder. */
export function runPaths(runDir: string) {
  return {
    dir: runDir,
    config: join(runDir, 'config.json'),
    state: join(runDir, 'state.json'),
    metrics: join(runDir, 'metrics.jsonl'),
    /** Metric lines a resume rolled back (written after the checkpoint it resumed from); kept, not deleted. */
    discardedMetrics: join(runDir, 'metrics.discarded.jsonl'),
    checkpoints: join(runDir, 'checkpoints'),
    manifest: join(runDir, 'checkpoints', 'manifest.json'),
    /** Inspector history: `probe-s<step>.json`, one per probe (config `inspect.probeEvery`). */
    probes: join(runDir, 'probes'),
  };
}

/** The default parent of runs: `<workspace>/.idaa/runs`. */
export function defaultRunsRoot(workspace: string): string {
  return join(workspace, '.idaa', 'runs');
}

/** A sortable, readable run id: `2026-11-28_05-12-03-idaa-fashion-mnist`. */
export function newRunId(label: string, dataset: string, now = new Date()): string {
  const stamp = now.toISOString().replace(/[:.]/g, '-').replace('T', '_').slice(0, 19);
  return `${stamp}-${label}-${dataset}`;
}
