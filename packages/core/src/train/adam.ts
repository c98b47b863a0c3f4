// Adam (Kingma & Ba, 2015) over an ordered list of variables, with its whole state explicit.
//
// Why not tf.train.adam: its bias corrections live in float32 variables multiplied once per
// step, and setWeights() rebuilds them with pow(), so a restored optimizer does not continue
// bit-exactly; its slots are matched to gradients by position in whatever key order a call
// uses; and its epsilon depends on the backend. Here the state is (iterations, m, v) in the
// manifest's order, the bias corrections are computed on the host in float64 from the
// iteration count, and epsilon is fixed, so a checkpointed optimizer resumes exactly and every
// replica on one backend performs the same float32 operations.
// Update (t = iterations after increment):
//   m = beta1 m + (1 - beta1) g;  v = beta2 v + (1 - beta2) g^2
//   w = w - lr * (m / (1 - beta1^t)) / (sqrt(v / (1 - beta2^t)) + epsilon)
import * as tf from '#tfjs';
import { TrainerInputError } from './errors.js';
import type { ParameterEntry } from './manifest.js';
import type { NamedStateTensor } from './optimizer-state.js';

export interface AdamSettings {
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
}


export class Adam {
  private iterations = 0;
  private readonly m: tf.Variable[];
  private readonly v: tf.Variable[];

  constructor(
    readonly settings: AdamSettings,
    private readonly entries: readonly ParameterEntry[],
  ) {
    // tidy disposes the zeros' handles; the variables (which tidy never disposes) keep the data.
    this.m = tf.tidy(() => entries.map((e) => tf.variable(tf.zeros(e.shape), false)));
    this.v = tf.tidy(() => entries.map((e) => tf.variable(tf.zeros(e.shape), false)));
  }

  /**
   * Updates `variables` (in manifest order) with `grads` (same order and shapes), at
   * `learningRate` (a schedule's rate for this step; default the settings' rate).
   */
  apply(variables: readonly tf.Variable[], grads: readonly tf.Tensor[], learningRate = this.settings.learningRate): void {
    this.iterations += 1;
    const { beta1, beta2, epsilon } = this.settings;
    const correction1 = 1 - beta1 ** this.iterations;
    const correction2 = 1 - beta2 ** this.iterations;
    tf.tidy(() => {
      variables.forEach((variable, i) => {
        const g = grads[i];
        const m = tf.add(tf.mul(this.m[i], beta1), tf.mul(g, 1 - beta1));
        const v = tf.add(tf.mul(this.v[i], beta2), tf.mul(tf.square(g), 1 - beta2));
        this.m[i].assign(m);
        this.v[i].assign(v);
        const step = tf.div(tf.div(m, correction1), tf.add(tf.sqrt(tf.div(v, correction2)), epsilon));
        variable.assign(tf.sub(variable, tf.mul(step, learningRate)));
      });
    });
  }

  /** A copy of the state (the caller owns and disposes the tensors): iter, then every m, then every v. */
  getState(): NamedStateTensor[] {
    return [
      { name: 'iter', tensor: tf.scalar(this.iterations, 'int32') },
      ...this.entries.map((e, i) => ({ name: `${e.name}/m`, tensor: tf.clone(this.m[i]) })),
      ...this.entries.map((e, i) => ({ name: `${e.name}/v`, tensor: tf.clone(this.v[i]) })),
    ];
  }

  /** Restores a state from getState() (names and shapes must match exactly; tensors are copied, not kept). */
  async setState(state: readonly NamedStateTensor[], context: string): Promise<void> {
    const expected = ['iter', ...this.entries.map((e) => `${e.name}/m`), ...this.entries.map((e) => `${e.name}/v`)];
    if (!Array.isArray(state) || state.length !== expected.length) {
      throw new TrainerInputError(`${context} optimizer state must hold ${expected.length} tensors, got ${Array.isArray(state) ? state.length : typeof state}.`);
    }
    state.forEach((item, k) => {
      if (!item || item.name !== expected[k] || !(item.tensor instanceof tf.Tensor) || item.tensor.isDisposed) {
        throw new TrainerInputError(`${context} optimizer state entry ${k} must be a live tensor named '${expected[k]}', got '${item?.name}'.`);
      }
    });
    const iterations = (await state[0].tensor.data())[0];
    if (!Number.isInteger(iterations) || iterations < 0) {
      throw new TrainerInputError(`${context} optimizer state 'iter' must be a non-negative integer, got ${iterations}.`);
    }
    const n = this.entries.length;
    this.entries.forEach((e, i) => {
      for (const [item, target] of [
        [state[1 + i], this.m[i]],
        [state[1 + n + i], this.v[i]],
      ] as const) {
        if (item.tensor.shape.join('x') !== e.shape.join('x')) {
          throw new TrainerInputError(`${context} optimizer state '${item.name}' must have shape [${e.shape.join(', ')}], got [${item.tensor.shape.join(', ')}].`);
        }
      }
    });
    tf.tidy(() => {
      this.entries.forEach((_, i) => {
        this.m[i].assign(tf.cast(state[1 + i].tensor, 'float32'));
        this.v[i].assign(tf.cast(state[1 + n + i].tensor, 'float32'));
      });
    });
    this.iterations = iterations;
  }

  dispose(): void {
    tf.dispose([...this.m, ...this.v]);
  }
}
