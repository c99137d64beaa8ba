import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useCpu } from './helpers';
import { stopAndResume } from './resumeRun';

test('cpu: a run stopped mid-epoch and resumed from its checkpoint repeats the uninterrupted run bit for bit', async () => {
  await useCpu();
  // 3 VAE steps per epoch × 2 epochs, then SSL: stop inside the first SSL epoch.
  const { full, resumed } = await stopAndResume(7);
  assert.deepEqual(resumed.map((s) => s.step), full.map((s) => s.step), 'no step lost or repeated');
  assert.deepEqual(resumed.map((s) => s.loss), full.map((s) => s.loss), 'losses equal exactly');
  assert.deepEqual(resumed.map((s) => s.terms), full.map((s) => s.terms));
});
