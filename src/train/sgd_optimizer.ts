// SGD with momentum and L2 weight decay, with PyTorch's torch.optim.SGD semantics (the paper's recipes are
// PyTorch ones): d = g + wd * w; v = mu * v + d; w -= lr * (nesterov ? d + mu * v : v). tfjs's
// MomentumOptimizer has no weight decay and keeps its accumulators under anonymous variable names, so this
// optimiser keeps them by the model's parameter names: they go into checkpoints as `optimizer/<name>` and
// a resumed run continues with exactly the same momentum. The learning rate is an argument of each step
// (the schedule is a pure function of the position in training).
import * as tf from '@tensorflow/tfjs-core';

export interface SgdOptions {
  momentum: number;
  nesterov: boolean;
  weightDecay: number;
  /**
   * Which parameters get weight decay. Default: every tensor of rank > 1 (conv and dense kernels), not the
   * rank-1 ones (BatchNorm scale/shift and biases), the usual exemption.
   */
  decay?: (name: string, variable: tf.Variable) => boolean;
}

/** The default exemption rule: decay kernels, not BatchNorm parameters and biases (rank-1 tensors). */
export function decaysByDefault(_name: string, variable: tf.Variable): boolean {
  return variable.rank > 1;
}

export class SgdOptimizer {
  private readonly velocity = new Map<string, tf.Variable>();
  private readonly decayed: Set<string>;

  constructor(
    private readonly params: Record<string, tf.Variable>,
    private readonly options: SgdOptions,
  ) {
    const { momentum, weightDecay } = options;
    if (!(momentum >= 0 && momentum < 1)) {
      throw new Error(`SgdOptimizer: option 'momentum' must be in [0, 1); got ${momentum}`);
    }
    if (!(weightDecay >= 0))
      throw new Error(`SgdOptimizer: option 'weightDecay' must be >= 0; got ${weightDecay}`);
    const rule = options.decay ?? decaysByDefault;
    this.decayed = new Set(
      Object.entries(params)
        .filter(([n, v]) => rule(n, v))
        .map(([n]) => n),
    );
  }

  /** Names of the parameters that receive weight decay. */
  decayedNames(): string[] {
    return [...this.decayed];
  }

  /** One update with learning rate `lr`; `grads` by parameter name (a missing gradient skips that one). */
  step(grads: Record<string, tf.Tensor>, lr: number): void {
    const { momentum, nesterov, weightDecay } = this.options;
    for (const [name, g] of Object.entries(grads)) {
      const w = this.params[name];
      if (w === undefined) throw new Error(`SgdOptimizer.step: gradient for unknown parameter '${name}'`);
      tf.tidy(() => {
        let d: tf.Tensor = g;
        if (weightDecay > 0 && this.decayed.has(name)) d = tf.add(d, tf.mul(w, weightDecay));
        let update = d;
        if (momentum > 0) {
          let v = this.velocity.get(name);
          if (v === undefined) {
            // PyTorch's first step sets the buffer to d (= zero buffer, dampening 0).
            v = tf.variable(tf.zerosLike(w), false, velocityName(name));
            this.velocity.set(name, v);
          }
          const next = tf.add(tf.mul(v, momentum), d);
          v.assign(next);
          update = nesterov ? tf.add(d, tf.mul(next, momentum)) : next;
        }
        w.assign(tf.sub(w, tf.mul(update, lr)));
      });
    }
  }

  /** The momentum buffers by parameter name (the optimiser keeps ownership). */
  state(): Record<string, tf.Tensor> {
    return Object.fromEntries(this.velocity);
  }

  /** Restores buffers saved by state(); shapes must match the parameters. Copies, so the caller may dispose. */
  loadState(state: Record<string, tf.Tensor>): void {
    for (const [name, t] of Object.entries(state)) {
      const w = this.params[name];
      if (w === undefined) throw new Error(`SgdOptimizer.loadState: state for unknown parameter '${name}'`);
      if (!tf.util.arraysEqual(w.shape, t.shape)) {
        throw new Error(
          `SgdOptimizer.loadState: state '${name}' has shape [${t.shape}]; the parameter has [${w.shape}]`,
        );
      }
    }
    this.disposeState();
    for (const [name, t] of Object.entries(state)) {
      // In a tidy: the clone is released, the variable keeps (a reference to) its data.
      const v = tf.tidy(() => tf.variable(t.clone(), false, velocityName(name)));
      this.velocity.set(name, v);
    }
  }

  private disposeState(): void {
    for (const v of this.velocity.values()) v.dispose();
    this.velocity.clear();
  }

  dispose(): void {
    this.disposeState();
  }
}

// Variable names are global to the tfjs engine: a counter keeps two optimisers over one model apart.
let velocityCount = 0;
function velocityName(param: string): string {
  velocityCount += 1;
  return `sgd_velocity_${velocityCount}/${param}`;
}
