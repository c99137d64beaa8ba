/** The extension's training worker lowers its own CPU priority (threads it starts inherit it); the inspector's does not. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

const MODULE = resolve(__dirname, '../../src/worker/priority.ts');

/** The niceness a fresh process ends with after applyWorkerPriority, seen from one of its new threads. */
function niceAfter(env: Record<string, string>): { nice: number; threadNice: number; note: string } {
  const code = `
    const os = require('node:os');
    const { Worker } = require('node:worker_threads');
    import(${JSON.stringify(MODULE)}).then((m) => {
      const note = (m.applyWorkerPriority ?? m.default.applyWorkerPriority)(process.env) ?? "";
      const w = new Worker("require('node:worker_threads').parentPort.postMessage(require('node:os').getPriority())", { eval: true });
      w.on('message', (threadNice) => { console.log(JSON.stringify({ nice: os.getPriority(), threadNice, note })); w.terminate(); });
    });`;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', code], { env: { ...process.env, IDAA_WORKER_ROLE: '', IDAA_TRAINING_PRIORITY: '', ...env }, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout.trim()) as { nice: number; threadNice: number; note: string };
}

test('training worker: background priority (nice 10) by default, inherited by its threads; normal on request; the inspector untouched', () => {
  const base = niceAfter({}).nice;
  const bg = niceAfter({ IDAA_WORKER_ROLE: 'training' });
  assert.equal(bg.nice, Math.max(base, 10));
  assert.equal(bg.threadNice, bg.nice, 'a thread started afterwards inherits it');
  assert.match(bg.note, /background priority \(nice 10/);
  assert.equal(niceAfter({ IDAA_WORKER_ROLE: 'training', IDAA_TRAINING_PRIORITY: 'normal' }).nice, base);
  const insp = niceAfter({ IDAA_WORKER_ROLE: 'inspector' });
  assert.equal(insp.nice, base);
  assert.equal(insp.note, '');
});
