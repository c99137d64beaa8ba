/**
 * The worker opens files only inside the runs folder (and reads a dataset folder a run's config
 * names): the confinement module on real temp folders and links, the worker's policy on top of it,
 * and the built worker refusing over JSON-RPC as the extension host talks to it.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { createProtocolConnection, InitializeRequest, InitializedNotification, IPCMessageReader, IPCMessageWriter, ExitNotification, ShutdownRequest, ResponseError, type ProtocolConnection } from 'vscode-languageserver-protocol/node';
import { AllowedRoot, confinePath, isPlainFileName, realPathOf } from '../../src/common/confine';
import { PathOutsideRootError } from '../../src/common/errors';
import type { RunConfig } from '../../src/engine/config/types';
import { WorkerPaths } from '../../src/worker/paths';
import { DescribeRunRequest, InspectRequest, ListCheckpointsRequest, StartRunRequest, WorkerErrorCodes, type WorkerErrorData } from '../../src/protocol/worker';

let base = '';
let runs = '';
let outside = '';
let dataset = '';
let roots: AllowedRoot[] = [];

/** A run folder with a config and a manifest listing `files` (each written as a small file). */
function makeRun(name: string, files: string[], manifestFiles: string[] = files): string {
  const dir = join(runs, name);
  mkdirSync(join(dir, 'checkpoints'), { recursive: true });
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ preset: 'tiny', data: { dataset: 'mnist' } }));
  for (const f of files) writeFileSync(join(dir, 'checkpoints', f), 'not really a checkpoint');
  const checkpoints = manifestFiles.map((file, i) => ({ file, kind: 'periodic', phase: 'ssl', epoch: i, step: i + 1, bytes: 23, createdAt: new Date(0).toISOString() }));
  writeFileSync(join(dir, 'checkpoints', 'manifest.json'), JSON.stringify({ version: 1, checkpoints }));
  return dir;
}

/** Only the config fields the policy looks at. */
function config(over: { dataPath?: string; vaeCheckpoint?: string }): RunConfig {
  return { data: { dataset: 'folder', ...(over.dataPath ? { path: over.dataPath } : {}) }, vae: { ...(over.vaeCheckpoint ? { checkpoint: over.vaeCheckpoint } : {}) } } as unknown as RunConfig;
}

function refused(fn: () => unknown, check: (e: PathOutsideRootError) => void = () => undefined): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof PathOutsideRootError, `a PathOutsideRootError, got ${String(e)}`);
    assert.match(e.message, /refused/);
    check(e);
    return true;
  });
}

before(() => {
  // realpath: the temp folder itself may lie behind a link (macOS /var → /private/var).
  base = realpathSync(mkdtempSync(join(tmpdir(), 'idaa-confine-')));
  runs = join(base, 'ws', '.idaa', 'runs');
  outside = join(base, 'other');
  dataset = join(base, 'data', 'bars');
  for (const d of [runs, outside, dataset]) mkdirSync(d, { recursive: true });
  writeFileSync(join(outside, 'secret.txt'), 'secret');
  writeFileSync(join(dataset, 'a.png'), 'png');
  roots = [{ path: runs, access: 'write' }];
});

after(() => rmSync(base, { recursive: true, force: true }));

test('a path inside the runs folder is accepted, existing or not yet', () => {
  const run = makeRun('r1', ['ssl-s000001.ckpt']);
  assert.equal(confinePath(join(run, 'checkpoints', 'ssl-s000001.ckpt'), roots, 'read'), join(run, 'checkpoints', 'ssl-s000001.ckpt'));
  assert.equal(confinePath(join(runs, 'new-run', 'config.json'), roots, 'write'), join(runs, 'new-run', 'config.json'));
  assert.equal(confinePath(runs, roots, 'read'), runs, 'the root itself');
  // `..` that stays inside is fine.
  assert.equal(confinePath(join(run, 'checkpoints', '..', 'config.json'), roots, 'read'), join(run, 'config.json'));
  // A link inside that points inside.
  symlinkSync(join(run, 'checkpoints', 'ssl-s000001.ckpt'), join(runs, 'inner-link.ckpt'));
  assert.equal(confinePath(join(runs, 'inner-link.ckpt'), roots, 'read'), join(run, 'checkpoints', 'ssl-s000001.ckpt'));
});

test('../ escapes and absolute paths elsewhere are refused, naming the path, the root and why', () => {
  const escape = join(runs, '..', '..', '..', 'other', 'secret.txt');
  refused(() => confinePath(escape, roots, 'read'), (e) => {
    assert.equal(e.file, escape);
    assert.equal(e.root, runs);
    assert.equal(e.real, join(outside, 'secret.txt'));
    assert.ok(e.message.includes(escape) && e.message.includes(runs) && e.message.includes('lies outside'), e.message);
  });
  // Relative to the working directory, as a message may carry it.
  const rel = relative(process.cwd(), join(outside, 'secret.txt'));
  refused(() => confinePath(rel, roots, 'read'));
  refused(() => confinePath('../../etc/passwd', roots, 'read'));
  refused(() => confinePath(join(outside, 'secret.txt'), roots, 'read'));
  refused(() => confinePath('/etc/passwd', roots, 'read'));
  // A sibling whose name merely starts like the root's.
  mkdirSync(`${runs}-evil`, { recursive: true });
  refused(() => confinePath(join(`${runs}-evil`, 'x'), roots, 'write'));
  // Not a path at all.
  refused(() => confinePath(`${runs}/a\0b`, roots, 'read'), (e) => assert.match(e.message, /not a usable path/));
  refused(() => confinePath('', roots, 'read'));
  // No runs folder known: everything is refused.
  refused(() => confinePath(join(runs, 'r1'), [], 'read'), (e) => assert.match(e.message, /given none/));
});

test('a link inside the runs folder that points outside is refused', () => {
  symlinkSync(join(outside, 'secret.txt'), join(runs, 'leak.ckpt'));
  refused(() => confinePath(join(runs, 'leak.ckpt'), roots, 'read'), (e) => assert.equal(e.real, join(outside, 'secret.txt')));
  symlinkSync(outside, join(runs, 'linked-dir'));
  refused(() => confinePath(join(runs, 'linked-dir', 'secret.txt'), roots, 'read'));
  refused(() => confinePath(join(runs, 'linked-dir'), roots, 'write'));
});

test('a path that does not exist yet under a linked parent pointing outside is refused', () => {
  // runs/linked-dir → other/: a new run folder "inside" it would be written outside.
  refused(() => confinePath(join(runs, 'linked-dir', 'new-run', 'config.json'), roots, 'write'), (e) => assert.equal(e.real, join(outside, 'new-run', 'config.json')));
  // A dangling link: what is created through it lands at its target.
  symlinkSync(join(outside, 'not-yet'), join(runs, 'dangling'));
  refused(() => confinePath(join(runs, 'dangling'), roots, 'write'), (e) => assert.equal(e.real, join(outside, 'not-yet')));
  refused(() => confinePath(join(runs, 'dangling', 'config.json'), roots, 'write'));
  // A dangling link whose target climbs out through another link: `..` after a link is taken from
  // where that link leads (other/deep/), not lexically (which would stay in the runs folder).
  mkdirSync(join(outside, 'deep', 'er'), { recursive: true });
  symlinkSync(join(outside, 'deep', 'er'), join(runs, 'to-deep'));
  symlinkSync('to-deep/../x', join(runs, 'tricky'));
  assert.equal(realPathOf(join(runs, 'tricky')), join(outside, 'deep', 'x'));
  refused(() => confinePath(join(runs, 'tricky'), roots, 'write'));
  // A dangling link that stays inside is fine.
  symlinkSync(join(runs, 'later'), join(runs, 'dangling-inside'));
  assert.equal(confinePath(join(runs, 'dangling-inside', 'f'), roots, 'write'), join(runs, 'later', 'f'));
});

test('a dataset folder named by the config is accepted for reading, never for writing', () => {
  const withData: AllowedRoot[] = [...roots, { path: dataset, access: 'read' }];
  assert.equal(confinePath(join(dataset, 'a.png'), withData, 'read'), join(dataset, 'a.png'));
  assert.equal(confinePath(dataset, withData, 'read'), dataset);
  refused(() => confinePath(join(dataset, 'new-run'), withData, 'write'), (e) => assert.match(e.message, /may be read, never written/));
  refused(() => confinePath(join(dataset, 'a.png'), roots, 'read'), undefined);

  const p = new WorkerPaths(runs);
  assert.doesNotThrow(() => p.dataset(config({ dataPath: dataset }), [dataset]));
  assert.doesNotThrow(() => p.dataset(config({}), []), 'a built-in dataset has no folder');
  assert.doesNotThrow(() => p.dataset(config({ dataPath: join(runs, 'r1') }), []), 'a dataset inside the runs folder');
  // A checkpoint's config naming another folder than its run's config.json does.
  refused(() => p.dataset(config({ dataPath: outside }), [dataset]), (e) => assert.equal(e.field, 'data.path'));
});

test('plain file names for manifest entries', () => {
  for (const ok of ['ssl-s000128.ckpt', 'vae-final.ckpt', 'a b.ckpt']) assert.equal(isPlainFileName(ok), true, ok);
  for (const bad of ['../../other/x.ckpt', '..', '.', '', 'sub/x.ckpt', 'sub\\x.ckpt', 'x\0.ckpt', 'a..b', '/etc/passwd', 42, null]) assert.equal(isPlainFileName(bad), false, String(bad));
});

test('the worker policy: run folders, run files, manifest entries, live:, vae.checkpoint', () => {
  const p = new WorkerPaths(runs);
  const good = makeRun('r2', ['ssl-s000001.ckpt', 'ssl-s000002.ckpt']);
  assert.equal(p.runDir(good, 'write'), good);
  assert.deepEqual(p.checkpoints(good).map((c) => c.path), [join(good, 'checkpoints', 'ssl-s000001.ckpt'), join(good, 'checkpoints', 'ssl-s000002.ckpt')]);
  assert.equal(p.checkpoint(`live:${good}`), join(good, 'checkpoints', 'ssl-s000002.ckpt'), 'live: is the newest listed');
  assert.equal(p.checkpoint(`live:${makeRun('empty', [])}`), undefined);
  refused(() => p.checkpoint(`live:${outside}`));
  refused(() => p.runDir(outside, 'read'));

  // A manifest entry that climbs out (the manifest reader may refuse it first: either way it is
  // refused, naming the entry), or a listed file that is a link to outside.
  const climb = makeRun('r3', [], ['../../../../other/secret.txt']);
  for (const fn of [() => p.checkpoints(climb), () => p.checkpoint(`live:${climb}`)]) {
    assert.throws(fn, (e: Error) => /plain (checkpoint )?file name/.test(e.message) && e.message.includes('../../../../other/secret.txt'));
  }
  const linked = makeRun('r4', []);
  symlinkSync(join(outside, 'secret.txt'), join(linked, 'checkpoints', 'ssl-s000001.ckpt'));
  writeFileSync(join(linked, 'checkpoints', 'manifest.json'), JSON.stringify({ version: 1, checkpoints: [{ file: 'ssl-s000001.ckpt', kind: 'final', phase: 'ssl', epoch: 1, step: 1, bytes: 6, createdAt: '' }] }));
  refused(() => p.checkpoints(linked));

  // A run whose config.json is a link to outside.
  const badConfig = join(runs, 'r5');
  mkdirSync(badConfig);
  symlinkSync(join(outside, 'secret.txt'), join(badConfig, 'config.json'));
  refused(() => p.runDir(badConfig, 'read'));

  // vae.checkpoint of a config to train.
  assert.doesNotThrow(() => p.trainingConfig(config({ vaeCheckpoint: join(good, 'checkpoints', 'ssl-s000001.ckpt') })));
  refused(() => p.trainingConfig(config({ vaeCheckpoint: join(outside, 'secret.txt') })), (e) => assert.equal(e.field, 'vae.checkpoint'));

  // A changed runs folder applies at once; none refuses everything.
  p.setRunsRoot(outside);
  assert.doesNotThrow(() => p.inRuns(join(outside, 'secret.txt'), 'read'));
  refused(() => p.runDir(good, 'read'));
  p.setRunsRoot(undefined);
  refused(() => p.inRuns(join(runs, 'r2'), 'read'));
});

// ---------------------------------------------------------------------------------------------
// The built worker, over IPC JSON-RPC, as the extension host's language client talks to it.

const WORKER = resolve(__dirname, '..', '..', 'dist', 'worker.js');

test('the worker refuses idaa/… requests naming paths outside the runs folder', { timeout: 120_000 }, async () => {
  assert.ok(existsSync(WORKER), 'dist/worker.js is missing: run npm run build first (npm test does)');
  const ws = join(base, 'ws');
  const good = makeRun('e2e', ['ssl-s000001.ckpt']);
  const climb = makeRun('e2e-climb', [], ['../../../../other/secret.txt']);
  const child: ChildProcess = fork(WORKER, ['--node-ipc'], { cwd: ws, execArgv: [] /* not the test runner's --import tsx */, env: { ...process.env, IDAA_BACKEND: 'cpu' }, stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
  let stderr = '';
  child.stderr?.on('data', (d) => (stderr += d));
  const conn: ProtocolConnection = createProtocolConnection(new IPCMessageReader(child), new IPCMessageWriter(child));
  conn.listen();
  try {
    await conn.sendRequest(InitializeRequest.type, { processId: process.pid, rootUri: null, capabilities: {}, initializationOptions: { backend: 'cpu', runsRoot: runs } });
    await conn.sendNotification(InitializedNotification.type, {});

    const refusal = async (p: Promise<unknown>, file: string, root = runs): Promise<void> => {
      const e = await p.then(
        () => assert.fail('the request was answered, not refused'),
        (err: unknown) => err,
      );
      assert.ok(e instanceof ResponseError, `a ResponseError, got ${String(e)}`);
      const data = e.data as WorkerErrorData;
      assert.equal(e.code, WorkerErrorCodes.BadInput, e.message);
      assert.equal(data.kind, 'outsideRoot', e.message);
      assert.equal(data.file, file);
      assert.equal(data.root, root);
      assert.match(e.message, /lies outside|must lie inside/);
    };

    // Relative to the worker's working directory (the workspace), as a crafted message would say it.
    await refusal(conn.sendRequest(InspectRequest.type, { checkpoint: '../../etc/passwd' }), '../../etc/passwd');
    await refusal(conn.sendRequest(InspectRequest.type, { checkpoint: join(outside, 'secret.txt') }), join(outside, 'secret.txt'));
    // A manifest entry that is not a plain name: refused by the worker's check (outsideRoot) or
    // already by the manifest reader (a damaged manifest); either way nothing is opened.
    for (const p of [conn.sendRequest(InspectRequest.type, { checkpoint: `live:${climb}` }), conn.sendRequest(ListCheckpointsRequest.type, { runDir: climb })]) {
      const e = await p.then(() => assert.fail('answered, not refused'), (err: unknown) => err);
      assert.ok(e instanceof ResponseError && /plain (checkpoint )?file name/.test(e.message) && e.message.includes('../../../../other/secret.txt'), String(e));
    }
    // A listed checkpoint that is a link to outside.
    const linked = makeRun('e2e-linked', []);
    symlinkSync(join(outside, 'secret.txt'), join(linked, 'checkpoints', 'ssl-s000001.ckpt'));
    writeFileSync(join(linked, 'checkpoints', 'manifest.json'), JSON.stringify({ version: 1, checkpoints: [{ file: 'ssl-s000001.ckpt', kind: 'final', phase: 'ssl', epoch: 1, step: 1, bytes: 6, createdAt: '' }] }));
    await refusal(conn.sendRequest(InspectRequest.type, { checkpoint: `live:${linked}` }), join(linked, 'checkpoints', 'ssl-s000001.ckpt'));
    await refusal(conn.sendRequest(InspectRequest.type, { checkpoint: join(linked, 'checkpoints', 'ssl-s000001.ckpt') }), join(linked, 'checkpoints', 'ssl-s000001.ckpt'));
    await refusal(conn.sendRequest(DescribeRunRequest.type, { runDir: outside }), outside);
    await refusal(conn.sendRequest(StartRunRequest.type, { runDir: join(outside, 'run'), config: { preset: 'tiny' } }), join(outside, 'run'));
    // A new run whose host-sent config names a VAE checkpoint outside: refused before anything is written.
    const fresh = join(runs, 'fresh');
    await refusal(conn.sendRequest(StartRunRequest.type, { runDir: fresh, config: { preset: 'tiny', vae: { checkpoint: join(outside, 'secret.txt') } } }), join(outside, 'secret.txt'));
    assert.equal(existsSync(join(fresh, 'config.json')), false, 'nothing written');

    // Inside, the same requests are served.
    const listed = await conn.sendRequest(ListCheckpointsRequest.type, { runDir: good });
    assert.deepEqual(listed.map((c) => c.path), [join(good, 'checkpoints', 'ssl-s000001.ckpt')]);
    const described = await conn.sendRequest(DescribeRunRequest.type, { runDir: good });
    assert.equal(described.summary.id, 'e2e');

    await conn.sendRequest(ShutdownRequest.type);
    await conn.sendNotification(ExitNotification.type);
  } catch (e) {
    throw new Error(`${(e as Error).message}\nworker stderr:\n${stderr}`);
  } finally {
    conn.dispose();
    if (child.exitCode === null) child.kill();
  }
});
