import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configFingerprint, diffConfigs, loadConfigFile, resolveConfig } from '../../src/engine/config/resolve';
import { REFERENCE } from '../../src/engine/config/presets';
import { ConfigError } from '../../src/common/errors';

test('the reference preset holds the authors’ defaults', () => {
  const c = resolveConfig({ preset: 'reference', data: { path: '/data/cifar' } });
  assert.deepEqual(
    [c.vae.width, c.vae.latentDim, c.vae.beta, c.vae.lr, c.vae.betas, c.vae.batchSize, c.vae.epochs],
    [128, 512, 0.1, 5e-4, [0, 0.9], 128, 300],
  );
  assert.deepEqual([c.ssl.temperature, c.ssl.lr, c.ssl.batchSize, c.ssl.epochs, c.ssl.warmupEpochs, c.ssl.projectionDim], [0.5, 3e-4, 256, 300, 10, 64]);
  assert.deepEqual([c.idaa.eps, c.idaa.steps, c.idaa.alpha, c.idaa.auxBnMomentum], [0.1, 1, 1, 0.01]);
  assert.deepEqual([c.eval.knnK, c.eval.knnSigma], [200, 0.5]);
  assert.deepEqual(c.augment.jitter, [0.8, 0.8, 0.8, 0.2]);
  assert.deepEqual([c.augment.jitterP, c.augment.grayscaleP, c.augment.cropScale], [0.8, 0.2, [0.08, 1]]);
});

test('a partial config is filled from its preset, and the default preset is small', () => {
  const c = resolveConfig({ idaa: { eps: 0.05 } });
  assert.equal(c.preset, 'small');
  assert.equal(c.idaa.eps, 0.05);
  assert.equal(c.idaa.alpha, 1);
  assert.equal(c.data.dataset, 'fashion-mnist');
});

test('invalid values are refused with the field, the value and what is allowed', () => {
  const cases: Array<[unknown, RegExp]> = [
    [{ idaa: { eps: -1 } }, /"idaa\.eps" is -1; allowed: a number, ≥ 0/],
    [{ ssl: { batchSize: 3.5 } }, /"ssl\.batchSize" is 3\.5; allowed: an integer, ≥ 2/],
    [{ data: { dataset: 'imagenet' } }, /"data\.dataset" is "imagenet"; allowed: one of "fashion-mnist", "mnist", "cifar10", "cifar100", "folder"/],
    [{ data: { imageSize: 30 } }, /"data\.imageSize" is 30; allowed: .*multiple of 4/],
    [{ idaa: { epsilon: 0.1 } }, /"idaa\.epsilon" .*no such field; known fields here: enabled, eps/],
    [{ augment: { jitter: [0.8, 0.8] } }, /"augment\.jitter" .*at least 4 items/],
    [{ data: { dataset: 'cifar10' } }, /"data\.path" .*a folder holding the cifar10 data/],
    [{ augment: { cropScale: [0.9, 0.1] } }, /"augment\.cropScale" .*min ≤ max/],
  ];
  for (const [input, re] of cases) {
    assert.throws(() => resolveConfig(input as never), (e: unknown) => e instanceof ConfigError && re.test(e.message), `for ${JSON.stringify(input)}`);
  }
});

test('a config file that is not JSON or breaks the schema names the file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'idaa-config-'));
  const bad = join(dir, 'bad.json');
  writeFileSync(bad, '{ "seed": 1, ');
  assert.throws(() => loadConfigFile(bad), (e: Error) => e.message.includes(bad) && /valid JSON/.test(e.message));
  const wrong = join(dir, 'wrong.json');
  writeFileSync(wrong, JSON.stringify({ seed: 'one' }));
  assert.throws(() => loadConfigFile(wrong), (e: Error) => e.message.startsWith(wrong) && /"seed" is "one"; allowed: an integer/.test(e.message));
  assert.throws(() => loadConfigFile(join(dir, 'missing.json')), /missing\.json.*readable JSON file/);
});

test('the fingerprint covers what determines the result, and diffs list the fields that differ', () => {
  const a = resolveConfig({ preset: 'tiny' });
  const b = resolveConfig({ preset: 'tiny', name: 'renamed', backend: 'cpu', checkpoint: { keepLast: 9 } });
  assert.equal(configFingerprint(a), configFingerprint(b), 'name, backend and retention do not change results');
  const c = resolveConfig({ preset: 'tiny', idaa: { eps: 0.2 }, seed: 5 });
  assert.notEqual(configFingerprint(a), configFingerprint(c));
  assert.deepEqual(diffConfigs(a, c), ['idaa.eps: 0.1 → 0.2', 'seed: 0 → 5']);
  assert.equal(REFERENCE.idaa.eps, 0.1, 'presets are not mutated by resolving');
});

test('every bad field of a file is reported at once, each with its JSON path, line and column', () => {
  const dir = mkdtempSync(join(tmpdir(), 'idaa-config-'));
  const file = join(dir, 'three.json');
  writeFileSync(file, '{\n  "idaa": { "eps": -1, "epsilon": 2 },\n  "ssl": { "batchSize": 3.5 },\n  "augment": { "jitter": [0.8, "x", 0.8, 0.2] }\n}\n');
  assert.throws(
    () => loadConfigFile(file),
    (e: unknown) => {
      assert.ok(e instanceof ConfigError);
      assert.deepEqual(
        e.issues.map((i) => [i.field, i.line, i.column]),
        [
          ['idaa.eps', 2, 20],
          ['idaa.epsilon', 2, 24],
          ['ssl.batchSize', 3, 25],
          ['augment.jitter[1]', 4, 32],
        ],
      );
      assert.match(e.message, new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: 4 config errors:\n  .*three\\.json:2:20: config field "idaa\\.eps" is -1; allowed: a number, ≥ 0\n`));
      return true;
    },
  );
  writeFileSync(file, '{\n  "seed": 1,\n}');
  assert.throws(() => loadConfigFile(file), /three\.json:3:1: not valid JSON: property name expected/);
});

test('no key of a config can reach a prototype: __proto__, constructor and toString are unknown fields', () => {
  const cases = ['{"__proto__":{"checkpoint":"/x.ckpt"}}', '{"__proto__":{"polluted":"yes"}}', '{"vae":{"__proto__":{"checkpoint":"/x.ckpt"}}}', '{"constructor":{"a":1}}', '{"toString":"x"}', '{"data":{"hasOwnProperty":1}}'];
  for (const text of cases) {
    const input = JSON.parse(text) as never;
    assert.throws(() => resolveConfig(input), (e: unknown) => e instanceof ConfigError && /no such field/.test(e.message), text);
  }
  const dir = mkdtempSync(join(tmpdir(), 'idaa-config-'));
  const file = join(dir, 'proto.json');
  writeFileSync(file, '{ "preset": "tiny", "__proto__": { "checkpoint": "/x.ckpt" } }');
  assert.throws(() => loadConfigFile(file), /proto\.json:1:21: config field "__proto__" .*no such field/);
  assert.equal(({} as Record<string, unknown>).checkpoint, undefined);
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  // A valid config resolves to plain objects whose fields are all its own.
  const c = resolveConfig({ preset: 'tiny' });
  assert.equal(Object.getPrototypeOf(c.vae), Object.prototype);
  assert.equal(c.vae.checkpoint, undefined);
});

test('a config path that is a folder or a device is refused without reading it', () => {
  assert.throws(() => loadConfigFile(tmpdir()), /is a folder, not a regular file; refusing to read it as the run config/);
  assert.throws(() => loadConfigFile('/dev/zero'), /\/dev\/zero: is a character device, not a regular file; refusing to read it as the run config/);
});
