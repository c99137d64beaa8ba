import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../rng';

/**
 * Named weights of one model. Trainable weights and non-trainable state (batch-norm running
 * statistics) live in separate maps, so the optimizer sees only the former while checkpoints
 * capture both under stable names.
 */
// tfjs variable names are process-global, so names live in these maps only (several copies of a
// model may coexist, e.g. a run and a checkpoint being inspected).
export class ParamStore {
  readonly trainable = new Map<string, tf.Variable>();
  readonly state = new Map<string, tf.Variable>();

  constructor(
    readonly prefix: string,
    private readonly rng: Rng,
  ) {}

  /** PyTorch's default init for conv/linear weights and biases: U(−1/√fan_in, 1/√fan_in). */
  weight(name: string, shape: number[], fanIn: number): tf.Variable {
    const bound = 1 / Math.sqrt(fanIn);
    return this.addTrainable(name, shape, () => this.rng.uniform(-bound, bound));
  }

  constant(name: string, shape: number[], value: number, trainable: boolean): tf.Variable {
    return trainable ? this.addTrainable(name, shape, () => value) : this.addState(name, shape, value);
  }

  private addTrainable(name: string, shape: number[], draw: () => number): tf.Variable {
    const full = `${this.prefix}/${name}`;
    if (this.trainable.has(full)) throw new Error(`duplicate weight name ${full}`);
    const size = shape.reduce((a, b) => a * b, 1);
    const values = new Float32Array(size);
    for (let i = 0; i < size; i++) values[i] = draw();
    const v = ownedVariable(tf.tensor(values, shape, 'float32'), true);
    this.trainable.set(full, v);
    return v;
  }

  private addState(name: string, shape: number[], value: number): tf.Variable {
    const full = `${this.prefix}/${name}`;
    if (this.state.has(full)) throw new Error(`duplicate state name ${full}`);
    const v = ownedVariable(tf.fill(shape, value, 'float32'), false);
    this.state.set(full, v);
    return v;
  }

  /** Every variable, trainable first, in creation order (a stable order for saving). */
  all(): Array<[string, tf.Variable]> {
    return [...this.trainable.entries(), ...this.state.entries()];
  }

  trainableList(): tf.Variable[] {
    return [...this.trainable.values()];
  }

  parameterCount(): number {
    let n = 0;
    for (const v of this.trainable.values()) n += v.size;
    return n;
  }

  dispose(): void {
    for (const [, v] of this.all()) v.dispose();
    this.trainable.clear();
    this.state.clear();
  }
}

/** A variable that takes over `init` (tf.variable keeps the initial tensor alive otherwise). */
export function ownedVariable(init: tf.Tensor, trainable: boolean): tf.Variable {
  const v = tf.variable(init, trainable);
  init.dispose();
  return v;
}
