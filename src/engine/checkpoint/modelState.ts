import * as tf from '@tensorflow/tfjs-core';
import { CheckpointError } from '../../common/errors';
import { NamedArray } from './format';

/** Downloads named variables for a checkpoint. */
export async function snapshotVariables(vars: Array<[string, tf.Variable]>): Promise<NamedArray[]> {
  const out: NamedArray[] = [];
  for (const [name, v] of vars) {
    const data = (await v.data()) as Float32Array;
    out.push({ name, shape: v.shape.slice(), data: Float32Array.from(data) });
  }
  return out;
}

/**
 * Assigns saved arrays to named variables; every variable must be present with the same shape,
 * so loading a checkpoint of another architecture fails with the names that do not match.
 */
export function restoreVariables(file: string, vars: Array<[string, tf.Variable]>, arrays: ReadonlyMap<string, NamedArray>): void {
  const missing: string[] = [];
  const wrongShape: string[] = [];
  for (const [name, v] of vars) {
    const a = arrays.get(name);
    if (!a) missing.push(name);
    else if (a.shape.length !== v.shape.length || a.shape.some((d, i) => d !== v.shape[i])) wrongShape.push(`${name} (checkpoint [${a.shape}], model [${v.shape}])`);
  }
  if (missing.length || wrongShape.length) {
    const parts: string[] = [];
    if (missing.length) parts.push(`${missing.length} tensors missing (e.g. ${missing.slice(0, 3).join(', ')})`);
    if (wrongShape.length) parts.push(`${wrongShape.length} with other shapes (e.g. ${wrongShape.slice(0, 3).join('; ')})`);
    throw new CheckpointError(file, `does not fit this model: ${parts.join('; ')}`);
  }
  for (const [name, v] of vars) {
    const a = arrays.get(name)!;
    tf.tidy(() => v.assign(tf.tensor(a.data, a.shape, 'float32')));
  }
}
