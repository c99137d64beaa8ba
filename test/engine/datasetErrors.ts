import assert from 'node:assert/strict';
import { DatasetError } from '../../src/common/errors';

/** Runs `fn` and checks it fails with a DatasetError naming `path` and matching every pattern. */
export async function expectError(fn: () => Promise<unknown>, path: string, ...patterns: RegExp[]): Promise<void> {
  await assert.rejects(fn, (e: unknown) => {
    assert.ok(e instanceof DatasetError, `expected a DatasetError, got ${String(e)}`);
    assert.equal(e.file, path);
    assert.ok(e.message.includes(path), `message should name ${path}: ${e.message}`);
    for (const p of patterns) assert.match(e.message, p);
    return true;
  });
}
