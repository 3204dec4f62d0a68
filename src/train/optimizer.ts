// The optimisers of the recipes, SGD (optionally Nesterov), Adam and AdamW, with PyTorch's torch.optim
// semantics (the paper's recipes and their reimplementations are PyTorch ones) over parameter groups by role
// (param_groups.ts): each parameter's learning rate is lr x its group's lrScale and its weight decay
// weightDecay x the group's wdScale.
//   SGD:   d = g + wd w;  v = mu v + d;  w -= lr (nesterov ? d + mu v : v)
//   Adam:  d = g + wd w;  m = b1 m + (1 - b1) d;  s = b2 s + (1 - b2) d^2;
//          w -= lr (m / (1 - b1^t)) / (sqrt(s / (1 - b2^t)) + eps)
//   AdamW: w -= lr wd w (decoupled, Loshchilov & Hutter 2019), then Adam's update with d = g.
// tfjs's optimisers have no weight decay, no groups, and keep their state under anonymous variable names; this
// one keeps it by the model's parameter names with PyTorch's state names (`<param>/momentum_buffer`,
// `<param>/exp_avg`, `<param>/exp_avg_sq`, and `step`), so checkpoints hold it and a resumed run continues
// bit for bit. The learning rate is an argument of each step (the schedule is a pure function of the position
// in training). Differs from PyTorch: Adam's step count t is one for the optimiser, not one per parameter
// (the same whenever every parameter gets a gradient each step, as in our training loop).
import * as tf from '@tensorflow/tfjs-core';
import { type ParamGroups, type ParamRole, paramRoles } from './param_groups.js';

export type OptimizerKind = 'sgd' | 'adam' | 'adamw';
export const OPTIMIZER_KINDS: readonly OptimizerKind[] = ['sgd', 'adam', 'adamw'];

export interface OptimizerConfig {
  kind: OptimizerKind;
  /** SGD momentum (mu); 0: plain SGD. */
  momentum: number;
  /** SGD: Nesterov momentum (needs momentum > 0). */
  nesterov: boolean;
  /** Adam/AdamW moment decay rates and denominator epsilon (PyTorch defaults 0.9, 0.999, 1e-8). */
  beta1: number;
  beta2: number;
  eps: number;
  /** Base weight decay: L2 added to the gradient (SGD, Adam) or decoupled (AdamW); x each group's wdScale. */
  weightDecay: number;
  /** Multipliers per parameter role. */
  groups: ParamGroups;
}

/** Every role at lr x 1 and weight decay x 1. */
export const UNIFORM_GROUPS: Readonly<ParamGroups> = Object.freeze({
  gate: { lrScale: 1, wdScale: 1 },
  bn: { lrScale: 1, wdScale: 1 },
  bias: { lrScale: 1, wdScale: 1 },
  weight: { lrScale: 1, wdScale: 1 },
});

const STEP_KEY = 'step';

/**
 * Optional backend kernel for one SGD-with-momentum update (inputs w, g, v; attrs lr, weightDecay, momentum,
 * nesterov; outputs [w', v']), the same float32 operations as sgdUpdate's ops in the same order; the wasm backend
 * (src/backend/wasm/sgd_update.ts, one kernel where the ops take 8) and the webgpu backend
 * (src/backend/webgpu/sgd_update.ts, two dispatches where the ops take six) register one.
 */
export const SGD_UPDATE_KERNEL = 'BatchShapingSgdUpdate';

export class Optimizer {
  private readonly slots = new Map<string, tf.Variable>();
  private readonly roles: Record<string, ParamRole>;
  private t = 0;

  constructor(
    private readonly params: Record<string, tf.Variable>,
    readonly config: OptimizerConfig,
  ) {
    const fn = 'Optimizer';
    const { kind, momentum, nesterov, beta1, beta2, eps, weightDecay } = config;
    if (!OPTIMIZER_KINDS.includes(kind)) {
      throw new Error(
        `${fn}: option 'kind' must be one of ${OPTIMIZER_KINDS.join(', ')}; got ${String(kind)}`,
      );
    }
    if (!(momentum >= 0 && momentum < 1)) {
      throw new Error(`${fn}: option 'momentum' must be in [0, 1); got ${momentum}`);
    }
    if (nesterov && momentum === 0) throw new Error(`${fn}: option 'nesterov' needs momentum > 0`);
    for (const [k, v] of [
      ['beta1', beta1],
      ['beta2', beta2],
    ] as const) {
      if (!(v >= 0 && v < 1)) throw new Error(`${fn}: option '${k}' must be in [0, 1); got ${v}`);
    }
    if (!(eps > 0)) throw new Error(`${fn}: option 'eps' must be > 0; got ${eps}`);
    if (!(weightDecay >= 0)) throw new Error(`${fn}: option 'weightDecay' must be >= 0; got ${weightDecay}`);
    this.roles = paramRoles(Object.fromEntries(Object.entries(params).map(([n, v]) => [n, v.shape])));
  }

  /** The role (group) of every parameter. */
  paramRoles(): Record<string, ParamRole> {
    return { ...this.roles };
  }

  /** Names of the parameters that receive weight decay (their group's wdScale > 0). */
  decayedNames(): string[] {
    if (this.config.weightDecay === 0) return [];
    return Object.keys(this.params).filter((n) => this.config.groups[this.roles[n]!].wdScale > 0);
  }

  /** Steps taken (Adam's t). */
  get steps(): number {
    return this.t;
  }

  /** One update with base learning rate `lr`; `grads` by parameter name (a missing gradient skips that one). */
  step(grads: Record<string, tf.Tensor>, lr: number): void {
    if (!(Number.isFinite(lr) && lr >= 0)) {
      throw new Error(`Optimizer.step: argument 'lr' must be a finite number >= 0; got ${lr}`);
    }
    for (const name of Object.keys(grads)) {
      if (this.params[name] === undefined) {
        throw new Error(`Optimizer.step: gradient for unknown parameter '${name}'`);
      }
    }
    this.t += 1;
    const { kind, weightDecay } = this.config;
    for (const [name, g] of Object.entries(grads)) {
      const w = this.params[name]!;
      const group = this.config.groups[this.roles[name]!];
      const rate = lr * group.lrScale;
      const wd = weightDecay * group.wdScale;
      tf.tidy(() => {
        if (kind === 'sgd' && this.fusedSgdUpdate(name, w, g, rate, wd)) return;
        if (kind === 'sgd') w.assign(this.sgdUpdate(name, w, g, rate, wd));
        else w.assign(this.adamUpdate(name, w, g, rate, wd, kind === 'adamw'));
      });
    }
  }

  /** SGD with momentum through SGD_UPDATE_KERNEL where the backend has it; false where it does not apply. */
  private fusedSgdUpdate(name: string, w: tf.Variable, g: tf.Tensor, lr: number, wd: number): boolean {
    const { momentum, nesterov } = this.config;
    if (momentum === 0 || w.dtype !== 'float32' || g.dtype !== 'float32') return false;
    if (tf.getKernel(SGD_UPDATE_KERNEL, tf.getBackend()) === undefined) return false;
    const v = this.slot(name, 'momentum_buffer', w);
    const [wNext, vNext] = tf
      .engine()
      .runKernel(SGD_UPDATE_KERNEL, { w, g, v }, { lr, weightDecay: wd, momentum, nesterov }) as tf.Tensor[];
    v.assign(vNext!);
    w.assign(wNext!);
    return true;
  }

  private sgdUpdate(name: string, w: tf.Variable, g: tf.Tensor, lr: number, wd: number): tf.Tensor {
    const { momentum, nesterov } = this.config;
    const d = wd > 0 ? tf.add(g, tf.mul(w, wd)) : g;
    let update: tf.Tensor = d;
    if (momentum > 0) {
      // PyTorch's first step sets the buffer to d: a zero buffer times mu plus d is the same.
      const v = this.slot(name, 'momentum_buffer', w);
      const next = tf.add(tf.mul(v, momentum), d);
      v.assign(next);
      update = nesterov ? tf.add(d, tf.mul(next, momentum)) : next;
    }
    return tf.sub(w, tf.mul(update, lr));
  }

  private adamUpdate(
    name: string,
    w: tf.Variable,
    g: tf.Tensor,
    lr: number,
    wd: number,
    decoupled: boolean,
  ): tf.Tensor {
    const { beta1, beta2, eps } = this.config;
    const base: tf.Tensor = decoupled && wd > 0 ? tf.mul(w, 1 - lr * wd) : w;
    const d = !decoupled && wd > 0 ? tf.add(g, tf.mul(w, wd)) : g;
    const m = this.slot(name, 'exp_avg', w);
    const s = this.slot(name, 'exp_avg_sq', w);
    const mNext = tf.add(tf.mul(m, beta1), tf.mul(d, 1 - beta1));
    const sNext = tf.add(tf.mul(s, beta2), tf.mul(tf.square(d), 1 - beta2));
    m.assign(mNext);
    s.assign(sNext);
    const c1 = 1 - beta1 ** this.t;
    const c2 = 1 - beta2 ** this.t;
    const denom = tf.add(tf.div(tf.sqrt(sNext), Math.sqrt(c2)), eps);
    return tf.sub(base, tf.mul(tf.div(mNext, denom), lr / c1));
  }

  private slot(param: string, kind: string, like: tf.Tensor): tf.Variable {
    const key = `${param}/${kind}`;
    let v = this.slots.get(key);
    if (v === undefined) {
      v = tf.variable(tf.zerosLike(like), false, slotVariableName(key));
      this.slots.set(key, v);
    }
    return v;
  }

  /**
   * The state by name (`<param>/<slot>` and `step`), for checkpoints. The slot tensors stay the optimiser's;
   * the `step` scalar is new and owned by the caller.
   */
  state(): Record<string, tf.Tensor> {
    return { ...Object.fromEntries(this.slots), [STEP_KEY]: tf.scalar(this.t, 'int32') };
  }

  /**
   * Restores a state saved by state(); shapes must match the parameters. Copies, so the caller may dispose.
   * Async: the step count is read back from the device without a synchronous read (WebGPU has none).
   */
  async loadState(state: Record<string, tf.Tensor>): Promise<void> {
    const fn = 'Optimizer.loadState';
    let steps = 0;
    const slots: [string, tf.Tensor][] = [];
    for (const [key, t] of Object.entries(state)) {
      if (key === STEP_KEY) {
        if (t.size !== 1) throw new Error(`${fn}: state 'step' must be a scalar; got shape [${t.shape}]`);
        continue;
      }
      const cut = key.lastIndexOf('/');
      const param = key.slice(0, cut);
      const kind = key.slice(cut + 1);
      const w = this.params[param];
      if (cut < 0 || w === undefined) {
        throw new Error(`${fn}: state '${key}' names no parameter of this model`);
      }
      const expected = this.config.kind === 'sgd' ? ['momentum_buffer'] : ['exp_avg', 'exp_avg_sq'];
      if (!expected.includes(kind)) {
        throw new Error(
          `${fn}: state '${key}' is not ${this.config.kind} state (expected ${expected.join(' or ')}; was the run trained with another optimizer?)`,
        );
      }
      if (!tf.util.arraysEqual(w.shape, t.shape)) {
        throw new Error(`${fn}: state '${key}' has shape [${t.shape}]; the parameter has [${w.shape}]`);
      }
      slots.push([key, t]);
    }
    const stepTensor = state[STEP_KEY];
    if (stepTensor !== undefined) steps = (await stepTensor.data())[0]!;
    if (!(Number.isInteger(steps) && steps >= 0)) {
      throw new Error(`${fn}: state 'step' must be an integer >= 0; got ${steps}`);
    }
    this.disposeState();
    for (const [key, t] of slots) {
      // In a tidy: the clone is released, the variable keeps (a reference to) its data.
      this.slots.set(
        key,
        tf.tidy(() => tf.variable(t.clone(), false, slotVariableName(key))),
      );
    }
    this.t = steps;
  }

  private disposeState(): void {
    for (const v of this.slots.values()) v.dispose();
    this.slots.clear();
  }

  dispose(): void {
    this.disposeState();
  }
}

// Variable names are global to the tfjs engine: a counter keeps two optimisers over one model apart.
let slotCount = 0;
function slotVariableName(key: string): string {
  slotCount += 1;
  return `optimizer_${slotCount}/${key}`;
}
