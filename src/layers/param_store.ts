// ParamStore: the named tf.Variables of one model, with torchvision-style hierarchical names
// ('layer1.0.conv1.weight') and deterministic, order-independent initialisation.
// Differs from torch: tensors are NHWC/HWIO (conv weights [kh, kw, in, out], dense weights [in, out]);
// a porter of torchvision weights transposes. tf.Variable names are left to tfjs (they must be globally
// unique, and two models with the same layer names may live side by side); our names live in this map.
import * as tf from '@tensorflow/tfjs-core';

/** Makes the initial value of a parameter; `seed` is derived from the model seed and the parameter name. */
export type Initializer = (shape: number[], seed: number) => tf.Tensor;

/** 32-bit FNV-1a of the model seed and a name: each parameter's init does not depend on build order. */
export function deriveSeed(seed: number, name: string): number {
  let h = 0x811c9dc5 ^ (seed >>> 0);
  const text = `${seed}:${name}`;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Stands in for every variable of a skeleton store; the model refuses to run before it is touched. */
const SKELETON_VARIABLE = null as unknown as tf.Variable;

export class ParamStore {
  /** Trainable parameters, by hierarchical name. */
  readonly weights = new Map<string, tf.Variable>();
  /** Non-trainable state (BatchNorm running statistics), by hierarchical name. */
  readonly buffers = new Map<string, tf.Variable>();
  /** Shape of every parameter and buffer, also kept by a skeleton store. */
  readonly shapes = new Map<string, { shape: number[]; trainable: boolean }>();

  /**
   * `materialize: false` makes a skeleton: names and shapes are recorded but no tensor is allocated, so a
   * full-size model can be described (MACs, parameter counts) in microseconds and without a backend.
   */
  constructor(
    readonly seed: number,
    readonly materialize = true,
  ) {}

  /** A view of this store whose names start with `prefix.` */
  scope(prefix: string): Scope {
    return new Scope(this, prefix);
  }

  addWeight(name: string, shape: number[], init: Initializer): tf.Variable {
    this.assertFree(name);
    this.shapes.set(name, { shape, trainable: true });
    if (!this.materialize) return SKELETON_VARIABLE;
    const value = init(shape, deriveSeed(this.seed, name));
    const v = tf.variable(value, true);
    value.dispose();
    this.weights.set(name, v);
    return v;
  }

  addBuffer(name: string, shape: number[], fill: number): tf.Variable {
    this.assertFree(name);
    this.shapes.set(name, { shape, trainable: false });
    if (!this.materialize) return SKELETON_VARIABLE;
    const value = tf.fill(shape, fill);
    const v = tf.variable(value, false);
    value.dispose();
    this.buffers.set(name, v);
    return v;
  }

  dispose(): void {
    for (const v of this.weights.values()) v.dispose();
    for (const v of this.buffers.values()) v.dispose();
    this.weights.clear();
    this.buffers.clear();
    this.shapes.clear();
  }

  private assertFree(name: string): void {
    if (this.shapes.has(name)) {
      throw new Error(`ParamStore: parameter name '${name}' is already taken`);
    }
  }
}

/** A name prefix inside a ParamStore; layers take one and register their parameters under it. */
export class Scope {
  constructor(
    readonly store: ParamStore,
    readonly prefix: string,
  ) {}

  child(name: string | number): Scope {
    return new Scope(this.store, this.name(String(name)));
  }

  name(leaf: string): string {
    return this.prefix === '' ? leaf : `${this.prefix}.${leaf}`;
  }

  weight(leaf: string, shape: number[], init: Initializer): tf.Variable {
    return this.store.addWeight(this.name(leaf), shape, init);
  }

  buffer(leaf: string, shape: number[], fill: number): tf.Variable {
    return this.store.addBuffer(this.name(leaf), shape, fill);
  }
}
