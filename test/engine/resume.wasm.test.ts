import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useWasm } from './helpers';
import { stopAndResume } from './resumeRun';

test('wasm: a run stopped mid-epoch and resumed continues to within 1e-6 relative of the uninterrupted run', async () => {
  await useWasm();
  const { full, resumed } = await stopAndResume(4);
  assert.deepEqual(resumed.map((s) => s.step), full.map((s) => s.step), 'no step lost or repeated');
  for (let i = 0; i < full.length; i++) {
    const rel = Math.abs(resumed[i].loss - full[i].loss) / Math.abs(full[i].loss);
    assert.ok(rel <= 1e-6, `step ${full[i].step}: ${resumed[i].loss} vs ${full[i].loss} (relative ${rel})`);
  }
});
