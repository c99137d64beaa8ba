/**
 * Where the worker may open files: inside the workspace's runs folder (read and write), and, for
 * reading a dataset, the dataset folder a run's own config names. Every path that arrives in a
 * message or is read from a run file (config.json, the manifest, a checkpoint's config) goes through
 * here first; anything else is refused with a PathOutsideRootError.
 *
 * The checks work on real paths (links followed), but callers go on with the path as the host
 * sent it (made absolute): the host matches runs and checkpoints by those strings, and on a machine
 * where the workspace lies behind a link (macOS: /tmp → /private/tmp) real paths would not match.
 *
 * Free of tfjs and of the connection, so the tests use it directly.
 */
import { join, resolve } from 'node:path';
import type { RunConfig } from '../engine/config/types';
import { Access, AllowedRoot, confinePath, ConfineOptions, isPlainFileName } from '../common/confine';
import { PathOutsideRootError } from '../common/errors';
import { runPaths } from '../common/runs/layout';
import { ManifestEntry, readManifest } from '../common/runs/manifest';

/** The files of a run folder the worker reads or writes; each is checked, since any may be a link. */
const RUN_FILES = ['config', 'state', 'metrics', 'discardedMetrics', 'checkpoints', 'manifest', 'probes'] as const;

const LIVE = 'live:';

export interface ConfinedCheckpoint {
  entry: ManifestEntry;
  /** `<runDir>/checkpoints/<file>`, checked. */
  path: string;
}

export class WorkerPaths {
  private runsRoot: string | undefined;

  constructor(runsRoot?: string) {
    this.setRunsRoot(runsRoot);
  }

  /** The host tells the runs folder at initialization and again when it changes. */
  setRunsRoot(runsRoot: string | undefined): void {
    this.runsRoot = runsRoot ? resolve(runsRoot) : undefined;
  }

  get root(): string | undefined {
    return this.runsRoot;
  }

  private roots(extraRead: readonly string[] = []): AllowedRoot[] {
    return [...(this.runsRoot ? [{ path: this.runsRoot, access: 'write' as const }] : []), ...extraRead.map((path) => ({ path, access: 'read' as const }))];
  }

  /** A path inside the runs folder; returns it absolute, as requested. */
  inRuns(requested: string, access: Access, opts: ConfineOptions = {}): string {
    confinePath(requested, this.roots(), access, opts);
    return resolve(requested);
  }

  /** A run folder and the run files in it (a config.json linking outside is refused too). */
  runDir(requested: string, access: Access): string {
    const dir = this.inRuns(requested, access, { what: 'run folder' });
    const files = runPaths(dir);
    for (const k of RUN_FILES) this.inRuns(files[k], access, { what: 'run file' });
    return dir;
  }

  /** A file of a run that is not one of the fixed ones (a probe), checked like them. */
  runFile(file: string): string {
    return this.inRuns(file, 'read', { what: 'run file' });
  }

  /**
   * The checkpoints a run's manifest lists, each a plain file name whose path stays in the runs
   * folder (the manifest is a file anyone can edit: `../../elsewhere` is refused here).
   */
  checkpoints(runDir: string): ConfinedCheckpoint[] {
    const dir = this.runDir(runDir, 'read');
    const folder = runPaths(dir).checkpoints;
    return readManifest(dir).checkpoints.map((entry) => {
      if (!isPlainFileName(entry.file)) {
        throw new PathOutsideRootError(join(folder, String(entry.file)), [folder], { what: 'manifest entry', detail: 'a manifest entry must be a plain file name (no /, \\, .., NUL)' });
      }
      return { entry, path: this.inRuns(join(folder, entry.file), 'read', { what: 'checkpoint' }) };
    });
  }

  /** The checkpoint furthest into training (the manifest's last), checked. */
  latest(runDir: string): string | undefined {
    return this.checkpoints(runDir).at(-1)?.path;
  }

  /** A checkpoint to open: a path, or `live:<runDir>` (that run's newest checkpoint; undefined if none yet). */
  checkpoint(choice: string): string | undefined {
    if (typeof choice === 'string' && choice.startsWith(LIVE)) return this.latest(choice.slice(LIVE.length));
    return this.inRuns(choice, 'read', { what: 'checkpoint' });
  }

  /**
   * The paths a config makes a new training open besides its dataset: `vae.checkpoint` must lie in
   * the runs folder (a config from the host or a run's config.json alike).
   */
  trainingConfig(config: RunConfig): void {
    if (config.vae.checkpoint) this.inRuns(config.vae.checkpoint, 'read', { what: 'VAE checkpoint', field: 'vae.checkpoint' });
  }

  /**
   * The dataset folder `config` reads (`data.path`; none for a built-in copy): inside the runs
   * folder, or one of `named`, the dataset folders of the run's own config, for reading only.
   */
  dataset(config: RunConfig, named: ReadonlyArray<string | undefined>): void {
    if (!config.data.path) return;
    confinePath(config.data.path, this.roots(named.filter((p): p is string => !!p)), 'read', { what: 'dataset folder', field: 'data.path' });
  }
}
