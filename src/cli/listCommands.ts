/** runs and checkpoints: read-only listings of run folders. */
import { join, resolve } from 'node:path';
import { defaultRunsRoot, listRuns, readManifest } from '../engine/index';
import { supersededPath, type ManifestEntry } from '../common/runs/manifest';
import type { Invocation } from './context';
import { pathKind, runFolderArg } from './paths';
import { badValue } from './usageError';
import { pct, table } from './output';

export function listRunsCommand(cli: Invocation): void {
  const { flags, out } = cli;
  // A root named with --root must exist (a typo would read as "no runs"); the default one may not yet.
  if (flags.root !== undefined && pathKind(flags.root) === 'missing') {
    throw badValue('--root', flags.root, 'a folder of runs', 'no such folder', flags.root);
  }
  const root = flags.root ?? resolve(defaultRunsRoot('.'));
  const runs = listRuns(root);
  if (out.json) {
    out.result({ root, runs }, '');
    return;
  }
  if (runs.length === 0) {
    out.result({}, `no runs in ${root}`);
    return;
  }
  const rows = runs.map((r) => [r.id, r.status.state, r.status.phase ?? '-', r.status.epoch !== undefined ? `${r.status.epoch}/${r.status.epochs ?? '?'}` : '-', String(r.status.step ?? '-'), pct(r.status.bestKnnAccuracy), String(r.checkpoints), r.status.backend ?? '-']);
  out.result({}, table(['run', 'state', 'phase', 'epochs', 'step', 'best kNN', 'ckpts', 'backend'], rows) + (runs.some((r) => r.status.error) ? '\n' + runs.filter((r) => r.status.error).map((r) => `${r.id}: ${r.status.error}`).join('\n') : ''));
}

export function listCheckpointsCommand(cli: Invocation): void {
  const { out } = cli;
  const dir = runFolderArg('checkpoints', cli.positionals[1]);
  cli.fault.runDir = dir;
  const manifest = readManifest(dir);
  const list = manifest.checkpoints;
  const superseded = manifest.superseded ?? [];
  if (out.json) {
    out.result({ runDir: dir, checkpoints: list.map((c) => ({ ...c, path: join(dir, 'checkpoints', c.file) })), superseded: superseded.map((c) => ({ ...c, path: supersededPath(dir, c) })) }, '');
    return;
  }
  const row = (c: ManifestEntry, file = c.file) => [file, c.kind, c.phase, String(c.epoch), String(c.step), pct(c.knnAccuracy), `${(c.bytes / 1e6).toFixed(1)} MB`, c.createdAt.replace('T', ' ').slice(0, 19)];
  const head = ['checkpoint', 'kind', 'phase', 'epochs done', 'step', 'kNN', 'size', 'written'];
  const live = list.length ? table(head, list.map((c) => row(c))) : `no complete checkpoints in ${dir}`;
  // Branches abandoned by a resume from an earlier point: kept, listed apart, never resumed by default.
  const old = superseded.length ? `\n\nsuperseded (left the live timeline when a resume started a new branch; kept in checkpoints/superseded/):\n${table(head, superseded.map((c) => row(c, `${c.dir}/${c.file}`)))}` : '';
  out.result({}, live + old);
}
