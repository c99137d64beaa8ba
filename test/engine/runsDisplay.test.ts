/**
 * The host's tfjs-free helpers for the Runs UI: the one position formatter (tree, status bar,
 * notifications), run labels (checked against the engine's presets), config issues → ranges (with
 * the engine's own validation output), and the linear-probe results file.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatDuration, formatPosition, formatWhen, positionFromCheckpoint, positionFromProgress, positionFromStatus, PRESET_LABEL_DEFAULTS, runCreatedAt, runLabel } from '../../src/common/runs/display';
import { fieldPath, issueMessage, issueRange } from '../../src/common/runs/configIssues';
import { finalLinearProbe, LinearProbeRecord, readLinearProbes, readLinearProbesQuietly, storeLinearProbe } from '../../src/common/runs/linearProbe';
import { newRunId } from '../../src/common/runs/layout';
import { ConfigError } from '../../src/common/errors';
import { parseJsonText } from '../../src/common/jsonText';
import { PRESETS } from '../../src/engine/config/presets';
import { resolveConfig } from '../../src/engine/config/resolve';

test('one position for every view: progress, state.json and checkpoints say the same epochs and step', () => {
  // The worker's progress at the last batch of the first SSL epoch, and state.json / the manifest after it.
  const live = positionFromProgress({ phase: 'ssl', epoch: 1, epochs: 2, batch: 16, stepsInEpoch: 16, step: 112 });
  const stored = positionFromStatus({ phase: 'ssl', epoch: 1, epochs: 2, step: 112 });
  assert.deepEqual(live, stored);
  assert.equal(formatPosition(live), 'SSL 1/2 epochs · step 112');
  // Mid-epoch: one epoch done, the second in progress.
  assert.equal(formatPosition(positionFromProgress({ phase: 'ssl', epoch: 2, epochs: 2, batch: 3, stepsInEpoch: 16, step: 115 })), 'SSL 1/2 epochs · step 115');
  assert.equal(formatPosition(positionFromProgress({ phase: 'vae', epoch: 1, epochs: 1, batch: 1, stepsInEpoch: 4, step: 1 })), 'VAE 0/1 epoch · step 1');
  assert.equal(formatPosition(positionFromCheckpoint({ phase: 'vae', epoch: 6, step: 192 })), 'VAE 6 epochs · step 192');
  assert.equal(formatPosition({}), '');
  assert.equal(formatPosition({ step: 3 }), 'step 3');
});

test('durations and times', () => {
  assert.deepEqual([0, 42.4, 59.6, 94, 599.7, 3600, 7500, 90_000].map(formatDuration), ['0s', '42s', '1m00s', '1m34s', '10m00s', '1h00m', '2h05m', '1d01h']);
  const id = newRunId('simclr-idaa', 'mnist', new Date(Date.UTC(2026, 10, 28, 5, 12, 3)));
  assert.equal(runCreatedAt(id)?.toISOString(), '2026-11-28T05:12:03.000Z');
  assert.equal(runCreatedAt('my-run'), undefined);
  const now = new Date(2026, 10, 28, 18, 0);
  assert.equal(formatWhen(new Date(2026, 10, 28, 9, 5), now), '09:05');
  assert.equal(formatWhen(new Date(2026, 0, 3, 9, 5), now), 'Jan 3 09:05');
  assert.equal(formatWhen(new Date(2025, 0, 3, 9, 5), now), '2025-01-03');
});

test('run labels: the config name, else dataset · method · IDAA (preset defaults as the engine has them)', () => {
  for (const [name, p] of Object.entries(PRESETS)) {
    assert.deepEqual(PRESET_LABEL_DEFAULTS[name], { dataset: p.data.dataset, method: p.ssl.method, idaa: p.idaa.enabled }, `preset ${name}`);
  }
  assert.equal(runLabel({ name: '  baseline  ' }, 'id'), 'baseline');
  assert.equal(runLabel({ data: { dataset: 'mnist' }, ssl: { method: 'byol' }, idaa: { enabled: false } }, 'id'), 'mnist · BYOL · IDAA off');
  assert.equal(runLabel({ preset: 'reference' }, 'id'), 'cifar10 · SimCLR · IDAA on');
  assert.equal(runLabel({}, 'id'), 'fashion-mnist · SimCLR · IDAA on');
  assert.equal(runLabel(undefined, 'the-id'), 'the-id');
});

/** The engine's issues for a config text, as the worker's idaa/checkConfig returns them. */
function engineIssues(text: string) {
  try {
    const doc = parseJsonText(text, 'config.json');
    resolveConfig(doc.value as never, 'config.json', doc.locate);
    return [];
  } catch (e) {
    assert.ok(e instanceof ConfigError, String(e));
    return e.issues;
  }
}

test('config issues → ranges: every bad field at once, the value (or the unknown key) underlined', () => {
  const text = ['{', '  "preset": "tiny",', '  "ssl": { "batchSize": 3.5, "epochs": -1 },', '  "bogus": 1,', '  "augment": { "cropScale": [0.9, 0.1] }', '}', ''].join('\n');
  const issues = engineIssues(text);
  const shown = issues.map((i) => [i.field, text.slice(issueRange(text, i).start, issueRange(text, i).end)]);
  assert.deepEqual(shown, [
    ['ssl.batchSize', '3.5'],
    ['ssl.epochs', '-1'],
    ['bogus', '"bogus"'],
  ]);
  assert.match(issueMessage(issues[0]!), /^config field "ssl\.batchSize" is 3\.5; allowed: an integer, ≥ 2/);
  // Cross-field checks (after the schema passes) point at their field too.
  const cross = '{\n  "augment": { "cropScale": [0.9, 0.1] }\n}\n';
  const [c] = engineIssues(cross);
  assert.equal(c?.field, 'augment.cropScale');
  assert.equal(cross.slice(issueRange(cross, c!).start, issueRange(cross, c!).end), '[0.9, 0.1]');
  // A syntax error: its spot; a field not in the text: the nearest enclosing one.
  const broken = '{\n  "ssl": { "epochs": 2 }\n  "idaa": {}\n}';
  const [s] = engineIssues(broken);
  assert.equal(s?.field, '(file)');
  assert.equal(issueRange(broken, s!).start, broken.indexOf('"idaa"'));
  const r = issueRange('{\n  "ssl": {\n    "epochs": 2\n  }\n}', { field: 'ssl.batchSize', value: undefined, allowed: 'x' });
  assert.deepEqual(r, { start: 4, end: 9 }, 'the key "ssl" of the multi-line object that lacks the field');
  assert.deepEqual(fieldPath('augment.cropScale[1]'), ['augment', 'cropScale', 1]);
  assert.deepEqual(fieldPath('(root)'), []);
});

test('linear-probe results stored with the run: one per checkpoint, replaced on re-evaluation, damage tolerated', () => {
  const dir = mkdtempSync(join(tmpdir(), 'idaa-probe-'));
  assert.deepEqual(readLinearProbes(dir), []);
  const rec = (checkpoint: string, step: number, acc: number, at: string): LinearProbeRecord => ({
    checkpoint,
    phase: 'ssl',
    epoch: 2,
    step,
    knnAccuracy: 0.6,
    probe: { finalTestAccuracy: acc, trainAccuracy: 0.7, epochs: 5, lr: 3e-4, batchSize: 32, perEpochTestAccuracy: [acc] },
    seconds: 1,
    createdAt: at,
  });
  storeLinearProbe(dir, rec('final-s000064.ckpt', 64, 0.5, '2026-01-01T00:00:02Z'));
  storeLinearProbe(dir, rec('periodic-s000032.ckpt', 32, 0.4, '2026-01-01T00:00:01Z'));
  storeLinearProbe(dir, rec('final-s000064.ckpt', 64, 0.55, '2026-01-01T00:00:03Z'));
  const all = readLinearProbes(dir);
  assert.deepEqual(all.map((r) => [r.checkpoint, r.probe.finalTestAccuracy]), [['periodic-s000032.ckpt', 0.4], ['final-s000064.ckpt', 0.55]]);
  assert.equal(finalLinearProbe(all)?.probe.finalTestAccuracy, 0.55, 'the checkpoint furthest into training');
  storeLinearProbe(dir, rec('periodic-s000032.ckpt', 32, 0.45, '2026-01-01T00:00:09Z'));
  assert.equal(finalLinearProbe(readLinearProbes(dir))?.checkpoint, 'final-s000064.ckpt', 'not merely the newest evaluation');
  writeFileSync(join(dir, 'linear-probe.json'), '{"kind": "something else"');
  assert.throws(() => readLinearProbes(dir), /linear-probe/);
  assert.deepEqual(readLinearProbesQuietly(dir), []);
  storeLinearProbe(dir, rec('final-s000064.ckpt', 64, 0.6, '2026-01-01T00:00:04Z'));
  assert.equal(readLinearProbes(dir).length, 1);
});
