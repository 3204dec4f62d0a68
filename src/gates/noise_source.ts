// Seedable, replayable source of randomness for the training-time gates (and dropout).
// Each draw takes a fresh per-draw seed derived from (seed, counter) and hands it to tfjs's seeded
// generators, so the sequence of noise tensors depends only on the seed and how many draws came before:
// saving {seed, counter} with a checkpoint and restoring it replays a run exactly.
import * as tf from '@tensorflow/tfjs-core';

export interface NoiseState {
  seed: number;
  counter: number;
}

/** Bounds keep log(u) and log(1 - u) finite in float32. */
const U_MIN = 1e-6;
const U_MAX = 1 - 1e-6;

export class NoiseSource {
  private seedValue: number;
  private counterValue = 0;

  constructor(seed: number) {
    assertSeed('NoiseSource', 'seed', seed);
    this.seedValue = seed;
  }

  get seed(): number {
    return this.seedValue;
  }

  get counter(): number {
    return this.counterValue;
  }

  /** The next per-draw seed (a 32-bit integer); advances the counter. */
  nextSeed(): number {
    const s = mix32(this.seedValue, this.counterValue);
    this.counterValue += 1;
    return s;
  }

  /** Logistic noise l = log u - log(1 - u), u ~ U(0, 1), of the given shape. */
  logistic(shape: number[]): tf.Tensor {
    return tf.tidy(() => {
      const u = this.uniform(shape);
      return tf.sub(tf.log(u), tf.log1p(tf.neg(u)));
    });
  }

  /**
   * The uniform draws u in (0, 1) that logistic() transforms (one draw: the same counter step and values), for
   * fused ops that apply the transform themselves (src/gates/fused_gate.ts).
   */
  uniform(shape: number[]): tf.Tensor {
    return tf.randomUniform(shape, U_MIN, U_MAX, 'float32', this.nextSeed());
  }

  state(): NoiseState {
    return { seed: this.seedValue, counter: this.counterValue };
  }

  restore(state: NoiseState): void {
    assertSeed('NoiseSource.restore', 'state.seed', state?.seed);
    if (!Number.isInteger(state.counter) || state.counter < 0) {
      throw new Error(
        `NoiseSource.restore: argument 'state.counter' must be a non-negative integer; got ${state.counter}`,
      );
    }
    this.seedValue = state.seed;
    this.counterValue = state.counter;
  }
}

function assertSeed(fn: string, arg: string, seed: unknown): asserts seed is number {
  if (typeof seed !== 'number' || !Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new Error(`${fn}: argument '${arg}' must be an integer in [0, 2^32); got ${String(seed)}`);
  }
}

/** A well-mixed 32-bit hash of two integers (murmur3 finaliser over a splitmix-style combination). */
function mix32(a: number, b: number): number {
  let h = (Math.imul(a >>> 0, 0x9e3779b1) ^ Math.imul((b >>> 0) + 0x7f4a7c15, 0x85ebca6b)) >>> 0;
  h ^= Math.floor(b / 0x100000000); // counters past 2^32 stay distinct
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
