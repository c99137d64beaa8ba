/**
 * Every failure a user can cause ends in one clear message (the flag, file or field, and what to
 * do) and a non-zero exit, never a stack trace on the terminal; unexpected errors leave their stack
 * in a log file whose path is printed. Run `npm run build` first: the CLI runs as users run it.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, CliResult, idaaSync } from './cliRun';
import { describeError, systemErrorMessage } from '../../src/common/userError';
import type { SystemError } from '../../src/common/userError';
import { ConfigError, DatasetError, IdaaError } from '../../src/common/errors';
import { reportError, ReportSink } from '../../src/cli/report';

const STACK = /^\s+at /m;
const TINY = ['--preset', 'tiny', '--train-limit', '64', '--vae-epochs', '1', '--epochs', '1'];
const ENV = { IDAA_WASM_THREADS: '1' };

let work = '';
let ckpt = '';

const idaa = (args: string[], env: Record<string, string> = {}) => idaaSync(args, work, { ...ENV, ...env });

/** The exit code, the message, and no stack trace on stderr. */
function assertClean(r: CliResult, code: number, message: RegExp): void {
  assert.equal(r.code, code, r.stderr);
  assert.match(r.stderr, message);
  assert.doesNotMatch(r.stderr, STACK, `no stack trace on the terminal:\n${r.stderr}`);
}

function errorLine(r: CliResult): Record<string, unknown> {
  const e = r.lines.find((l) => l.type === 'error');
  assert.ok(e, `a {"type":"error"} line in --json mode; stderr:\n${r.stderr}`);
  return e;
}

// A preload that injects faults into the CLI's own fs calls, so rare failures happen on cue.
const FAULTS = `
const fs = require('node:fs');
const path = require('node:path');
const mode = process.env.IDAA_TEST_FAULT;
const fired = () => fs.writeFileSync(process.env.IDAA_TEST_FAULT_MARK, mode);
if (mode === 'internal') {
  const orig = fs.readdirSync;
  fs.readdirSync = function (p, ...rest) {
    if (String(p).endsWith('boom-root')) { fired(); throw new TypeError('synthetic internal fault'); }
    return orig.call(this, p, ...rest);
  };
}
if (mode === 'enospc' || mode === 'rmdir') {
  const orig = fs.appendFileSync;
  let n = 0;
  fs.appendFileSync = function (p, ...rest) {
    if (String(p).endsWith('metrics.jsonl') && ++n === 3) {
      fired();
      if (mode === 'enospc') throw Object.assign(new Error('ENOSPC: no space left on device, write'), { errno: -28, code: 'ENOSPC', syscall: 'write' });
      fs.rmSync(path.dirname(String(p)), { recursive: true, force: true });
    }
    return orig.call(this, p, ...rest);
  };
}
`;

function withFault(mode: string): { env: Record<string, string>; fired: () => boolean } {
  const mark = join(work, `fault-${mode}-${Date.now()}.mark`);
  return {
    env: { NODE_OPTIONS: `--require ${join(work, 'faults.cjs')}`, IDAA_TEST_FAULT: mode, IDAA_TEST_FAULT_MARK: mark },
    fired: () => existsSync(mark),
  };
}

before(() => {
  assert.ok(existsSync(CLI), `${CLI} is missing: run npm run build`);
  work = mkdtempSync(join(tmpdir(), 'idaa-cli-faults-'));
  writeFileSync(join(work, 'a-file'), 'not a folder\n');
  mkdirSync(join(work, 'a-folder'));
  mkdirSync(join(work, 'boom-root'));
  writeFileSync(join(work, 'faults.cjs'), FAULTS);
  writeFileSync(join(work, 'spec.json'), '{}\n');
  const r = idaa(['train', ...TINY, '--run-dir', 'run', '--json']);
  assert.equal(r.code, 0, r.stderr);
  ckpt = join(work, 'run', 'checkpoints', 'ssl-final.ckpt');
  assert.ok(existsSync(ckpt));
});

test('inspect flags: --indices "" and 1,,2, a negative or non-numeric --eps, --steps 0 are refused before any work', () => {
  const inspect = (...flags: string[]) => idaa(['inspect', '--checkpoint', ckpt, '--out', 'sheets', ...flags]);
  const allowed = /allowed: a comma-separated list of sample numbers, each a whole number ≥ 0/;
  const empty = inspect('--indices', '');
  assertClean(empty, 1, /^idaa: --indices is "" \(empty\); /m);
  assert.match(empty.stderr, allowed);
  assertClean(inspect('--indices', '1,,2'), 1, /--indices is "1,,2" \(item 2 is empty\); /);
  assertClean(inspect('--indices', '0,-1'), 1, /--indices is "0,-1" \(item 2, "-1", is not a whole number ≥ 0\)/);
  assertClean(inspect('--eps', '-0.5'), 1, /--eps is "-0\.5"; allowed: a number ≥ 0/);
  assertClean(inspect('--eps=-0.5'), 1, /--eps is "-0\.5"; allowed: a number ≥ 0/);
  assertClean(inspect('--eps', 'abc'), 1, /--eps is "abc"; allowed: a number ≥ 0/);
  assertClean(inspect('--steps', '0'), 1, /--steps is "0"; allowed: a whole number ≥ 1/);
  assertClean(inspect('--split', 'val'), 1, /--split is "val"; allowed: train or test/);
  assertClean(inspect('--indices', '0,9999'), 1, /--indices 9999 outside 0\.\.\d+ of the test split/);
  assert.ok(!existsSync(join(work, 'sheets')), 'no sheet was written for a refused command');

  const json = inspect('--indices', '1,,2', '--json');
  assert.equal(json.code, 1);
  const e = errorLine(json);
  assert.equal(e.kind, 'usage');
  assert.equal(e.field, '--indices');
  assert.match(String(e.message), /item 2 is empty/);
});

test('numeric run and eval flags name the flag, the value and the allowed range', () => {
  const cases: Array<[string[], RegExp]> = [
    [['train', '--seed', '1.5'], /--seed is "1\.5"; allowed: a whole number from 0 to 4294967295/],
    [['train', '--train-limit', '-3'], /--train-limit is "-3"; allowed: a whole number ≥ 0/],
    [['train', '--epochs', 'two'], /--epochs is "two"; allowed: a whole number ≥ 0/],
    [['train', '--vae-epochs', ''], /--vae-epochs is ""; allowed: a whole number ≥ 0/],
    [['train', '--attack-steps', '0'], /--attack-steps is "0"; allowed: a whole number ≥ 1/],
    [['train', '--alpha', '-1'], /--alpha is "-1"; allowed: a number ≥ 0/],
    [['train', '--eps', '1e400'], /--eps is "1e400"; allowed: a number ≥ 0/],
    [['train', '--preset', 'huge'], /--preset is "huge"; allowed: reference \| small \| tiny/],
    [['train', '--threads', '0'], /--threads is "0"; allowed: 'auto' or a whole number of threads from 1 to \d+/],
    [['eval', '--checkpoint', 'a-file', '--probe-epochs', '-1'], /--probe-epochs is "-1"; allowed: a whole number ≥ 0/],
    [['experiment', 'spec.json', '--parallel', '0'], /--parallel is "0"; allowed: a whole number ≥ 1/],
  ];
  for (const [args, message] of cases) assertClean(idaa(args), 1, message);
});

test('paths: a file for --root, a folder or a missing file for --checkpoint, a missing --config, a folder that is not a run', () => {
  assertClean(idaa(['runs', '--root', 'a-file']), 1, /--root is ".*a-file" \(a file\); allowed: a folder of runs/);
  assertClean(idaa(['runs', '--root', 'no-such-root']), 1, /--root is ".*no-such-root" \(no such folder\)/);
  assertClean(idaa(['checkpoints', 'a-folder']), 1, /a-folder: not a run folder \(no config\.json\); give the folder of a run/);
  assertClean(idaa(['checkpoints', 'a-file']), 1, /a-file: not a run folder \(a file\)/);
  assertClean(idaa(['resume', 'no-such-run']), 1, /no-such-run: no such folder; give the folder of a run/);
  assertClean(idaa(['inspect', '--checkpoint', 'a-folder']), 1, /--checkpoint is ".*a-folder" \(a folder\); allowed: a checkpoint file/);
  assertClean(idaa(['inspect', '--checkpoint', 'missing.ckpt']), 1, /--checkpoint is ".*missing\.ckpt" \(no such file\)/);
  assertClean(idaa(['train', '--config', 'missing.json']), 1, /--config is ".*missing\.json" \(no such file\); allowed: a run config JSON file/);
  assertClean(idaa(['train', ...TINY, '--vae', 'a-folder']), 1, /--vae is ".*a-folder" \(a folder\)/);
  assertClean(idaa(['resume', 'run', '--from', 'missing.ckpt']), 1, /--from is ".*missing\.ckpt" \(no such file\)/);
  assertClean(idaa(['train', ...TINY, '--run-dir', 'a-file/sub']), 1, /--run-dir is ".*a-file\/sub" \(.*a-file is a file\)/);
  assertClean(idaa(['experiment', 'missing-spec.json']), 1, /<spec\.json> is ".*missing-spec\.json" \(no such file\)/);

  const json = idaa(['inspect', '--checkpoint', 'a-folder', '--json']);
  const e = errorLine(json);
  assert.equal(e.kind, 'usage');
  assert.equal(e.field, '--checkpoint');
  assert.equal(e.file, join(work, 'a-folder'));
});

test('an internal error: one line, the stack only in a log file whose path is printed (IDAA_DEBUG=1 prints it too)', () => {
  const fault = withFault('internal');
  const r = idaa(['runs', '--root', 'boom-root', '--json'], fault.env);
  assert.ok(fault.fired(), '`idaa runs` no longer lists the root with readdirSync: the fault could not be injected');
  assertClean(r, 1, /^idaa: internal error: synthetic internal fault$/m);
  const log = /the stack trace is in (\S+); please include it/.exec(r.stderr)?.[1];
  assert.ok(log && existsSync(log), `the log is written: ${r.stderr}`);
  assert.ok(log.startsWith(tmpdir()), 'no run folder: the temporary folder');
  const text = readFileSync(log, 'utf8');
  assert.match(text, /TypeError: synthetic internal fault/);
  assert.match(text, STACK, 'the log holds the stack');
  const e = errorLine(r);
  assert.equal(e.kind, 'internal');
  assert.equal(e.log, log);

  const debug = idaa(['runs', '--root', 'boom-root'], { ...withFault('internal').env, IDAA_DEBUG: '1' });
  assert.equal(debug.code, 1);
  assert.match(debug.stderr, /TypeError: synthetic internal fault\n\s+at /);
});

test('ENOSPC on a metrics append during training: a sentence saying what to do, the stack in the run folder', () => {
  const fault = withFault('enospc');
  const r = idaa(['train', ...TINY, '--run-dir', 'full-disk', '--json'], fault.env);
  assert.ok(fault.fired(), 'the metrics log is no longer written with appendFileSync: the fault could not be injected');
  assertClean(r, 1, /no space left on the device \(ENOSPC\); free disk space/);
  assert.match(r.stderr, /full-disk/, 'names the run folder');
  const e = errorLine(r);
  if (e.kind === 'system') {
    assert.equal(e.code, 'ENOSPC');
    assert.equal(e.log, join(work, 'full-disk', 'idaa-error.log'));
    assert.match(readFileSync(String(e.log), 'utf8'), /ENOSPC/);
  }
});

test('the run folder deleted mid-training: the message names it and says to check it still exists', () => {
  const fault = withFault('rmdir');
  const r = idaa(['train', ...TINY, '--run-dir', 'doomed'], fault.env);
  assert.ok(fault.fired(), 'the metrics log is no longer written with appendFileSync: the fault could not be injected');
  assertClean(r, 1, /doomed/);
  assert.match(r.stderr, /does not exist|deleted|moved/);
  const log = /details: (\S+)/.exec(r.stderr)?.[1];
  if (log) assert.ok(existsSync(log), 'the log went to the temporary folder (the run folder is gone)');
});

test('translation of system errors: the file, the cause and what to do', () => {
  const sys = (code: string, syscall: string, path?: string, errno = -1): SystemError =>
    Object.assign(new Error(`${code}: synthetic, ${syscall}${path ? ` '${path}'` : ''}`), { code, syscall, errno, ...(path ? { path } : {}) }) as SystemError;
  const gone = join(work, 'gone-run');
  const metrics = join(gone, 'metrics.jsonl');

  const enoent = describeError(sys('ENOENT', 'open', metrics));
  assert.equal(enoent.kind, 'system');
  assert.equal(enoent.file, metrics);
  assert.equal(enoent.message, `cannot open ${metrics}: the folder ${gone} does not exist (ENOENT); check the path, and that the folder was not moved or deleted while idaa was running`);
  assert.ok(enoent.logStack);

  const append = describeError(sys('ENOSPC', 'write'), { folder: gone });
  assert.equal(append.message, `write failed (working in ${gone}): no space left on the device (ENOSPC); free disk space, then run the command again`);
  assert.equal(append.code, 'ENOSPC');
  assert.equal(append.file, undefined);

  // The atomic writers' temporary name is shown as the file it stands for.
  const tmpState = describeError(sys('ENOSPC', 'open', join(gone, 'state.json.tmp-4242')));
  assert.equal(tmpState.file, join(gone, 'state.json'));
  assert.match(tmpState.message, /^cannot write .*gone-run\/state\.json: no space left/);

  const cases: Array<[SystemError, RegExp]> = [
    [sys('EACCES', 'open', '/x/run/config.json'), /^cannot open \/x\/run\/config\.json: permission denied \(EACCES\); check the permissions/],
    [sys('EROFS', 'mkdir', '/ro/runs'), /^cannot create the folder \/ro\/runs: the file system is read-only \(EROFS\); use a writable location/],
    [sys('EISDIR', 'open', work), /it is a folder, not a file \(EISDIR\)/],
    [sys('ENOTDIR', 'scandir', '/x/a-file/runs'), /^cannot list the folder \/x\/a-file\/runs: a part of the path is a file/],
    [sys('EMFILE', 'open', '/x/y'), /too many open files \(EMFILE\); close other programs or raise the limit/],
    [sys('EIO', 'read', '/x/y'), /input\/output error \(EIO\)/],
    [sys('EWHATEVER', 'open', '/x/y'), /^cannot open \/x\/y: EWHATEVER: synthetic, open '\/x\/y' \(EWHATEVER\)$/],
  ];
  for (const [e, message] of cases) assert.match(systemErrorMessage(e), message);

  // Typed errors pass through with their file or field; anything else is internal.
  const cfg = describeError(new ConfigError('idaa.eps', -1, 'a number ≥ 0', 'run.json'));
  assert.deepEqual([cfg.kind, cfg.field, cfg.file, cfg.logStack], ['config', 'idaa.eps', 'run.json', false]);
  const ds = describeError(new DatasetError('/d/x.bin', 'truncated record'));
  assert.deepEqual([ds.kind, ds.file, ds.message], ['dataset', '/d/x.bin', '/d/x.bin: truncated record']);
  assert.equal(describeError(new IdaaError('plain')).kind, 'run');
  const internal = describeError(new RangeError('index out of range'));
  assert.deepEqual([internal.kind, internal.message, internal.logStack], ['internal', 'internal error: index out of range', true]);
  assert.equal(describeError('a string').message, 'internal error: a string');
  // Node's argument checks (ERR_*) are programming errors, not system errors.
  assert.equal(describeError(Object.assign(new TypeError('bad arg'), { code: 'ERR_INVALID_ARG_TYPE' })).kind, 'internal');
});

test('the report: the stack goes to <run folder>/idaa-error.log, or the temporary folder when the run folder is gone', () => {
  const capture = () => {
    const s = { out: '', err: '' };
    const sink: ReportSink = { stdout: (x) => void (s.out += x), stderr: (x) => void (s.err += x), env: {}, tmpdir: join(work, 'tmp'), pid: 4242, argv: ['train'] };
    return { s, sink };
  };
  mkdirSync(join(work, 'tmp'), { recursive: true });
  mkdirSync(join(work, 'report-run'), { recursive: true });

  const a = capture();
  const r = reportError(new TypeError('boom'), { json: true, fault: { runDir: join(work, 'report-run') } }, a.sink);
  assert.equal(r.log, join(work, 'report-run', 'idaa-error.log'));
  assert.match(readFileSync(r.log!, 'utf8'), /TypeError: boom\n\s+at /);
  assert.equal(a.s.err, `idaa: internal error: boom\nidaa: the stack trace is in ${r.log}; please include it when reporting this problem\n`);
  assert.deepEqual(JSON.parse(a.s.out), { type: 'error', message: 'internal error: boom', kind: 'internal', log: r.log });

  const b = capture();
  const gone = reportError(new TypeError('boom'), { json: false, fault: { runDir: join(work, 'no-such-run') } }, b.sink);
  assert.equal(gone.log, join(work, 'tmp', 'idaa-error-4242.log'));
  assert.equal(b.s.out, '');

  const c = capture();
  const typed = reportError(new IdaaError('x.json: bad'), { json: false, fault: {} }, c.sink);
  assert.equal(typed.log, undefined, 'typed errors write no log');
  assert.equal(c.s.err, 'idaa: x.json: bad\n');

  const d = capture();
  d.sink.env = { IDAA_DEBUG: '1' };
  reportError(new TypeError('shown'), { json: false, fault: {} }, d.sink);
  assert.match(d.s.err, /TypeError: shown\n\s+at /, 'IDAA_DEBUG=1 prints the stack as well');
});
