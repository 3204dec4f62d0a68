// What the gate explorer shows for one image, computed with the library's own modules only (no Node
// built-ins, so esbuild bundles it for the browser): the dataset's evaluation transform (createTransform with
// meta.json's normalisation, as BatchLoader applies it), the gray-to-RGB adapter, the model in inference mode
// (deterministic gates) and the dynamic MAC count from the gate masks. The site's browser test checks the
// page's numbers against the same image run through the library in Node.
import * as tf from '@tensorflow/tfjs-core';
import { createTransform, type TransformSpec } from '../../src/data/transform_spec.js';
import { dynamicMacsAsync } from '../../src/models/macs.js';
import type { GatedModel } from '../../src/models/model_types.js';
import { adaptChannels } from '../../src/train/input_adapter.js';

/** The numbers the explorer needs about the data (written by site/explorer_data.ts into test-set.json). */
export interface ExplainContext {
  imageShape: [number, number, number];
  mean: number[];
  std: number[];
  /** The run's evaluation transform (TrainConfig.data.evalTransform), normalised by `mean` / `std`. */
  evalTransform: TransformSpec;
}

export interface BlockGates {
  name: string;
  /** 0/1 per channel of the block's gate. */
  open: number[];
}

export interface Explanation {
  prediction: number;
  /** Softmax probabilities per class. */
  probs: number[];
  /** Dynamic MACs of this image (network under its gates plus the gate modules). */
  macs: number;
  blocks: BlockGates[];
}

/** Runs `model` on one uint8 image (H*W*C, dataset layout) and explains its gate decisions. */
export async function explainImage(
  model: GatedModel,
  pixels: Uint8Array,
  context: ExplainContext,
): Promise<Explanation> {
  const [h, w, c] = context.imageShape;
  if (pixels.length !== h * w * c) {
    throw new Error(
      `explainImage: argument 'pixels' must hold ${h}x${w}x${c} = ${h * w * c} bytes; got ${pixels.length}`,
    );
  }
  const transform = createTransform({
    ...context.evalTransform,
    normalization: { mean: context.mean, std: context.std },
  });
  const outShape = transform.outputShape(context.imageShape);
  const image = new Float32Array(outShape[0] * outShape[1] * outShape[2]);
  // The evaluation transform draws no randomness; it is given none.
  transform.apply({ image: pixels, shape: context.imageShape }, { image }, undefined as never);
  const x = tf.tensor4d(image, [1, ...outShape]);
  const input = adaptChannels(x, model.config.inputChannels);
  const out = model.apply(input, { training: false });
  try {
    const [probs, argMax] = tf.tidy(() => [tf.softmax(out.logits as tf.Tensor2D), tf.argMax(out.logits, 1)]);
    const probsHost = Array.from(await probs.data());
    const prediction = (await argMax.data())[0]!;
    tf.dispose([probs, argMax]);
    const blocks: BlockGates[] = [];
    for (const g of out.gates) blocks.push({ name: g.name, open: Array.from(await g.mask.data()) });
    const macs = await dynamicMacsAsync(
      model,
      [outShape[0], outShape[1], model.config.inputChannels],
      blocks.map((b) => ({ name: b.name, mask: [b.open] })),
    );
    return { prediction, probs: probsHost, macs: macs.total[0]!, blocks };
  } finally {
    tf.dispose([x, input, out.logits, ...out.gates.flatMap((g) => [g.probs, g.mask])]);
  }
}
