// im2colTransposed: weights [Cout, kh*kw*Cin] x patches equals tfjs's conv2d (explicit symmetric padding) for
// kernels 1/3/7, strides 1/2, dilations 1/2, batch 1 and 2, on the cpu backend; bad data sizes are refused.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { im2colTransposed } from '../../src/inference/im2col.js';
import { useBackend } from '../helpers/backends.js';

before(() => useBackend('cpu'));

const CASES = [
  { n: 1, h: 7, w: 7, c: 5, cout: 4, kernel: 3, stride: 1, pad: 1, dilation: 1 },
  { n: 2, h: 9, w: 6, c: 3, cout: 2, kernel: 3, stride: 2, pad: 1, dilation: 1 },
  { n: 1, h: 8, w: 8, c: 4, cout: 3, kernel: 3, stride: 1, pad: 2, dilation: 2 },
  { n: 2, h: 5, w: 5, c: 6, cout: 4, kernel: 1, stride: 1, pad: 0, dilation: 1 },
  { n: 1, h: 12, w: 11, c: 3, cout: 2, kernel: 7, stride: 2, pad: 3, dilation: 1 },
];

for (const k of CASES) {
  test(`patches x weights = conv2d: ${JSON.stringify(k)}`, () => {
    tf.tidy(() => {
      const x = tf.randomNormal([k.n, k.h, k.w, k.c], 0, 1, 'float32', 1) as tf.Tensor4D;
      const filter = tf.randomNormal([k.kernel, k.kernel, k.c, k.cout], 0, 1, 'float32', 2) as tf.Tensor4D;
      const ref = tf.conv2d(
        x,
        filter,
        k.stride,
        [
          [0, 0],
          [k.pad, k.pad],
          [k.pad, k.pad],
          [0, 0],
        ],
        'NHWC',
        k.dilation,
      );
      const p = im2colTransposed(x.dataSync() as Float32Array, [k.n, k.h, k.w, k.c], k);
      assert.deepEqual([p.outH, p.outW], [ref.shape[1], ref.shape[2]]);
      assert.equal(p.rows, k.kernel * k.kernel * k.c);
      assert.equal(p.cols, k.n * p.outH * p.outW);
      const rows = tf.transpose(tf.reshape(filter, [p.rows, k.cout])); // [Cout, kh*kw*Cin]
      const y = tf.reshape(tf.transpose(tf.matMul(rows, tf.tensor2d(p.data, [p.rows, p.cols]))), ref.shape);
      const err = tf.max(tf.abs(tf.sub(y, ref))).dataSync()[0]!;
      assert.ok(err < 1e-4, `max abs error ${err}`);
    });
  });
}

test('a data length that does not match the shape is refused, naming the argument', () => {
  assert.throws(
    () => im2colTransposed(new Float32Array(10), [1, 2, 2, 3], { kernel: 3, stride: 1, pad: 1, dilation: 1 }),
    /im2colTransposed: argument 'x' has 10 values, shape \[1,2,2,3\] needs 12/,
  );
});
