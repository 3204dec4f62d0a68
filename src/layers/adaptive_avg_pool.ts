// Adaptive average pooling to b x b bins with PyTorch's bin edges (start = floor(i*h/b),
// end = ceil((i+1)*h/b)), for several bin sizes in one matmul: the pooled cells are rows of a constant
// averaging matrix [sum b^2, h*w] applied to the flattened feature map. Works for any h, w (bins may
// overlap when b does not divide h), and its gradient is a matmul too.
import * as tf from '@tensorflow/tfjs-core';

/** Averaging matrix [sum_b b*b, h*w]; row (b, i, j) averages the cells of bin (i, j) of the b x b grid. */
function adaptivePoolMatrix(h: number, w: number, bins: readonly number[]): Float32Array {
  const rows = bins.reduce((acc, b) => acc + b * b, 0);
  const m = new Float32Array(rows * h * w);
  let row = 0;
  for (const b of bins) {
    for (let i = 0; i < b; i++) {
      const y0 = Math.floor((i * h) / b);
      const y1 = Math.ceil(((i + 1) * h) / b);
      for (let j = 0; j < b; j++) {
        const x0 = Math.floor((j * w) / b);
        const x1 = Math.ceil(((j + 1) * w) / b);
        const weight = 1 / ((y1 - y0) * (x1 - x0));
        for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) m[row * h * w + y * w + x] = weight;
        row++;
      }
    }
  }
  return m;
}

/** x [N, h, w, C] -> one [N, b, b, C] per bin size. */
export function adaptiveAvgPoolBins(x: tf.Tensor4D, bins: readonly number[]): tf.Tensor4D[] {
  const [n, h, w, c] = x.shape;
  return tf.tidy(() => {
    const rows = bins.reduce((acc, b) => acc + b * b, 0);
    const matrix = tf.tensor3d(adaptivePoolMatrix(h, w, bins), [1, rows, h * w]);
    // Tiled rather than broadcast: tfjs's BatchMatMul gradient rejects a broadcast batch dimension.
    const pooled = tf.matMul(tf.tile(matrix, [n, 1, 1]), tf.reshape(x, [n, h * w, c])); // [N, rows, C]
    const sizes = bins.map((b) => b * b);
    return tf.split(pooled, sizes, 1).map((t, k) => tf.reshape(t, [n, bins[k]!, bins[k]!, c]) as tf.Tensor4D);
  });
}
