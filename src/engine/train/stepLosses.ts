import * as tf from '@tensorflow/tfjs-core';
import type { StepResult } from './trainer';

/**
 * A training step's losses while they are still tensors on the backend. Read once, then freed:
 * `read()` works on every backend; `readSync()` on all but webgpu, which cannot read a GPU buffer
 * synchronously in Node (and where an asynchronous read also lets the GPU run ahead).
 */
export class StepLosses {
  constructor(
    private readonly total: tf.Scalar,
    private readonly terms: Record<string, tf.Scalar>,
  ) {}

  readSync(): StepResult {
    try {
      return this.result(this.total.dataSync()[0], Object.values(this.terms).map((t) => t.dataSync()[0]));
    } finally {
      this.dispose();
    }
  }

  async read(): Promise<StepResult> {
    try {
      const [total, ...terms] = await Promise.all([this.total, ...Object.values(this.terms)].map((t) => t.data()));
      return this.result(total[0], terms.map((v) => v[0]));
    } finally {
      this.dispose();
    }
  }

  private result(loss: number, values: number[]): StepResult {
    const names = Object.keys(this.terms);
    return { loss, terms: Object.fromEntries(names.map((n, i) => [n, values[i]])) };
  }

  private dispose(): void {
    tf.dispose([this.total, ...Object.values(this.terms)]);
  }
}
