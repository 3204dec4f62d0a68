// Applying a block's gate mask to its feature map: y = x * mask over channels, x [N, H, W, C], mask [N, C]
// (the hard 0/1 gate of each sample and channel), as one op with a hand-written gradient:
//   dx = dy * mask,   dmask[n, c] = sum over the H*W pixels of dy * x.
// Through autodiff the broadcast multiply costs a copy of the mask to the map's shape and two multiplies over
// the whole map plus a reduction in the backward pass; where the backend has our kernels for it (wasm:
// src/backend/wasm/channel_mask.ts, one SIMD pass each way) it is one pass forward and one backward. Elsewhere
// the same formulas run as tf ops (the results agree to float32 rounding: only the order of the sum differs).
import * as tf from '@tensorflow/tfjs-core';

/**
 * Optional backend kernels (inputs x, mask -> y; and dy, x, mask -> [dx, dmask]); the wasm backend registers
 * both (src/backend/wasm/channel_mask.ts).
 */
export const CHANNEL_MASK_KERNEL = 'BatchShapingChannelMask';
export const CHANNEL_MASK_GRAD_KERNEL = 'BatchShapingChannelMaskGrad';

function hasKernel(name: string, dtype: tf.DataType): boolean {
  return dtype === 'float32' && tf.getKernel(name, tf.getBackend()) !== undefined;
}

/** x [N, H, W, C] times mask [N, C] broadcast over H and W; differentiable in both. */
export function applyChannelMask(x: tf.Tensor4D, mask: tf.Tensor2D): tf.Tensor4D {
  if (x.rank !== 4) throw new Error(`applyChannelMask: argument 'x' must be [N, H, W, C]; got [${x.shape}]`);
  const [n, , , c] = x.shape;
  if (mask.rank !== 2 || mask.shape[0] !== n || mask.shape[1] !== c) {
    throw new Error(
      `applyChannelMask: argument 'mask' must be [${n}, ${c}] (x is [${x.shape}]); got [${mask.shape}]`,
    );
  }
  if (x.dtype !== mask.dtype) {
    throw new Error(`applyChannelMask: 'x' and 'mask' must have one dtype; got ${x.dtype} and ${mask.dtype}`);
  }
  const op = tf.customGrad((xIn, maskIn, save) => {
    const [xs, ms] = [xIn as tf.Tensor4D, maskIn as tf.Tensor2D];
    (save as tf.GradSaveFunc)([xs, ms]);
    const value = hasKernel(CHANNEL_MASK_KERNEL, xs.dtype)
      ? (tf.engine().runKernel(CHANNEL_MASK_KERNEL, { x: xs, mask: ms }) as tf.Tensor4D)
      : tf.mul(xs, tf.reshape(ms, [n, 1, 1, c]));
    return {
      value,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xSaved, mSaved] = saved as [tf.Tensor4D, tf.Tensor2D];
        if (hasKernel(CHANNEL_MASK_GRAD_KERNEL, dy.dtype)) {
          return tf
            .engine()
            .runKernel(CHANNEL_MASK_GRAD_KERNEL, { dy, x: xSaved, mask: mSaved }) as tf.Tensor[];
        }
        return [tf.mul(dy, tf.reshape(mSaved, [n, 1, 1, c])), tf.sum(tf.mul(dy, xSaved), [1, 2])];
      },
    };
  });
  return op(x, mask) as tf.Tensor4D;
}
