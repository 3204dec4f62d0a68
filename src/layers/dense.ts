// Fully connected layer, weight [in, out] (tfjs matMul layout; torch stores [out, in]), optional bias.
import * as tf from '@tensorflow/tfjs-core';
import { linearUniform } from './initializers.js';
import type { LayerCost } from './layer_cost.js';
import type { Initializer, Scope } from './param_store.js';

export interface DenseOptions {
  bias?: boolean;
  /** Bias initialiser; default nn.Linear's U(-1/sqrt(in), 1/sqrt(in)). */
  biasInit?: Initializer;
}

export class Dense {
  readonly weight: tf.Variable;
  readonly bias?: tf.Variable;
  readonly name: string;

  constructor(
    scope: Scope,
    readonly inFeatures: number,
    readonly outFeatures: number,
    options: DenseOptions = {},
  ) {
    this.name = scope.prefix;
    this.weight = scope.weight('weight', [inFeatures, outFeatures], linearUniform(inFeatures));
    if (options.bias !== false) {
      this.bias = scope.weight('bias', [outFeatures], options.biasInit ?? linearUniform(inFeatures));
    }
  }

  /** x: [N, in] -> [N, out]. */
  apply(x: tf.Tensor2D): tf.Tensor2D {
    const y: tf.Tensor2D = tf.matMul(x, this.weight as tf.Tensor2D);
    if (this.bias === undefined) return y;
    return tf.add(y, this.bias as tf.Tensor1D);
  }

  cost(role: LayerCost['role']): LayerCost {
    return {
      name: this.name,
      kind: 'dense',
      role,
      macs: this.inFeatures * this.outFeatures,
      inChannels: this.inFeatures,
      outChannels: this.outFeatures,
    };
  }
}
