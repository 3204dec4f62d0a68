// Common plumbing of every registry model: parameter store, noise source, named weights/buffers, input checks,
// and a forward wrapper that keeps intermediates out of the caller's scope.
import * as tf from '@tensorflow/tfjs-core';
import { NoiseSource } from '../gates/noise_source.js';
import type { LayerCost, ShapeHWC } from '../layers/layer_cost.js';
import { deriveSeed, ParamStore } from '../layers/param_store.js';
import {
  type ApplyCheckpointOptions,
  type ApplyCheckpointReport,
  applyCheckpoint,
} from './checkpoint_apply.js';
import type { ApplyOptions, GatedModel, GateRecord, ModelConfig, ModelOutput } from './model_types.js';

export abstract class ModelBase implements GatedModel {
  readonly store: ParamStore;
  readonly noise: NoiseSource;
  private disposed = false;

  /** `materialize: false` builds a skeleton (shapes only, no tensors): see createModelSkeleton. */
  constructor(
    readonly config: ModelConfig,
    materialize = true,
  ) {
    this.store = new ParamStore(config.seed, materialize);
    this.noise = new NoiseSource(deriveSeed(config.seed, 'noise'));
  }

  /** The forward pass proper; runs inside apply's tidy, pushing gate records into `gates`. */
  protected abstract forward(x: tf.Tensor4D, options: ApplyOptions, gates: GateRecord[]): tf.Tensor;
  abstract gateNames(): string[];
  abstract layerCosts(inputShape: ShapeHWC): LayerCost[];

  apply(x: tf.Tensor4D, options: ApplyOptions): ModelOutput {
    const fn = `${this.config.name}.apply`;
    if (this.disposed) throw new Error(`${fn}: the model has been disposed`);
    if (!this.store.materialize) throw new Error(`${fn}: a skeleton model (createModelSkeleton) cannot run`);
    if (!(x instanceof tf.Tensor) || x.rank !== 4 || x.shape[3] !== this.config.inputChannels) {
      const got = x instanceof tf.Tensor ? `[${x.shape}]` : typeof x;
      throw new Error(
        `${fn}: argument 'x' must be a tensor [N, H, W, ${this.config.inputChannels}]; got ${got}`,
      );
    }
    if (typeof options?.training !== 'boolean') {
      throw new Error(
        `${fn}: argument 'options.training' must be a boolean; got ${String(options?.training)}`,
      );
    }
    // tidy keeps only what is returned (logits and the gate tensors); the caller owns them.
    return tf.tidy(() => {
      const gates: GateRecord[] = [];
      const logits = this.forward(x, options, gates);
      return { logits, gates } as unknown as tf.TensorContainer;
    }) as unknown as ModelOutput;
  }

  namedWeights(): Record<string, tf.Variable> {
    this.assertMaterialized('namedWeights');
    return Object.fromEntries(this.store.weights);
  }

  namedBuffers(): Record<string, tf.Variable> {
    this.assertMaterialized('namedBuffers');
    return Object.fromEntries(this.store.buffers);
  }

  stateDict(): Record<string, tf.Variable> {
    this.assertMaterialized('stateDict');
    return { ...this.namedWeights(), ...this.namedBuffers() };
  }

  loadStateDict(
    tensors: Record<string, tf.Tensor>,
    options: ApplyCheckpointOptions = {},
  ): ApplyCheckpointReport {
    this.assertMaterialized('loadStateDict');
    return applyCheckpoint(this.stateDict(), { tensors }, options);
  }

  /** Number of trainable parameters (works on skeletons). */
  parameterCount(): number {
    let n = 0;
    for (const { shape, trainable } of this.store.shapes.values()) {
      if (trainable) n += shape.reduce((a, d) => a * d, 1);
    }
    return n;
  }

  dispose(): void {
    this.store.dispose();
    this.disposed = true;
  }

  private assertMaterialized(method: string): void {
    if (!this.store.materialize) {
      throw new Error(`${this.config.name}.${method}: a skeleton model (createModelSkeleton) has no tensors`);
    }
  }

  protected checkInputShape(inputShape: ShapeHWC, fn: string): void {
    const ok =
      Array.isArray(inputShape) &&
      inputShape.length === 3 &&
      inputShape.every((d) => Number.isInteger(d) && d > 0) &&
      inputShape[2] === this.config.inputChannels;
    if (!ok) {
      throw new Error(
        `${fn}: argument 'inputShape' must be [H, W, ${this.config.inputChannels}] with positive integers; got ${JSON.stringify(inputShape)}`,
      );
    }
  }
}
