import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { gatherChannelsJs } from '../../../src/backend/wasm/gather_channels.js';
import { gatherChannelsKernels } from '../../../src/backend/wasm/simd/gather_channels.js';
import { simdUnavailable } from '../../../src/backend/wasm/simd_module.js';
import { useBackend } from '../../helpers/backends.js';
import { expectNoWasmLeak, randomHost, wasmBackend } from './wasm_test_utils.js';

const KERNEL = 'BatchShapingGatherChannels';

function gather(
  x: tf.Tensor,
  idx: number[],
  axis: 'out' | 'in',
  width?: number,
  packed = false,
  source?: 'hwio' | 'ohwi',
): tf.Tensor {
  const indices = tf.tensor1d(idx, 'int32');
  const attrs = { axis, packed, ...(width === undefined ? {} : { width }), ...(source && { source }) };
  const out = tf.engine().runKernel(KERNEL, { x, indices }, attrs) as tf.Tensor;
  indices.dispose();
  return out;
}

/** The reference on the host: tf.gather on cpu, then zero channels up to `width`. */
async function reference(
  shape: number[],
  idx: number[],
  axis: 'out' | 'in',
  width?: number,
): Promise<number[]> {
  await useBackend('cpu');
  const x = tf.tensor(randomHost(shape, 1).values, shape);
  const rank = shape.length;
  let y = tf.gather(x, tf.tensor1d(idx, 'int32'), axis === 'out' ? rank - 1 : rank - 2);
  if (width !== undefined && width > idx.length) {
    const pads = shape.map((_, i) => [0, i === rank - 1 ? width - idx.length : 0] as [number, number]);
    y = tf.pad(y, pads);
  }
  return Array.from(await y.data());
}

describe('wasm BatchShapingGatherChannels (simd/gather_channels.wat)', () => {
  before(() => useBackend('wasm'));

  it('our module loads', () => {
    assert.notEqual(gatherChannelsKernels(wasmBackend()), undefined, simdUnavailable('gather_channels'));
  });

  // A 3x3 gated conv's open filters padded to 16 and a 1x1 / 3x3 next conv's open input channels.
  const cases: [number[], number[], 'out' | 'in', number | undefined][] = [
    [[3, 3, 8, 20], [0, 3, 4, 9, 19], 'out', 16],
    [[3, 3, 8, 20], [1, 2, 7], 'out', undefined],
    [[3, 3, 12, 6], [0, 5, 11], 'in', undefined],
    [[1, 1, 7, 5], [6], 'in', undefined],
    [[2, 2, 4, 3], [], 'out', 0],
  ];
  for (const [shape, idx, axis, width] of cases) {
    it(`matches tf.gather on cpu (zero-padded): [${shape}] ${axis} [${idx}]${width ? ` width ${width}` : ''}`, async () => {
      const expected = await reference(shape, idx, axis, width);
      await useBackend('wasm');
      const x = tf.tensor(randomHost(shape, 1).values, shape);
      const y = gather(x, idx, axis, width);
      assert.deepEqual(Array.from(await y.data()), expected); // a copy: bit for bit
      tf.dispose([x, y]);
    });
  }

  it('the JavaScript fallback (no module) gathers the same', async () => {
    const backend = wasmBackend();
    const x = tf.tensor(randomHost([3, 3, 6, 10], 2).values, [3, 3, 6, 10]);
    const indices = tf.tensor1d([1, 4, 5], 'int32');
    for (const [axis, shape] of [
      ['out', [3, 3, 6, 8]],
      ['in', [3, 3, 3, 10]],
    ] as const) {
      const width = axis === 'out' ? 8 : 3;
      const viaKernel = gather(x, [1, 4, 5], axis, width);
      const out = backend.makeOutput([...shape], 'float32');
      gatherChannelsJs(backend, x, indices, out, {
        axis,
        taps: 9,
        cin: 6,
        cout: 10,
        k: 3,
        width,
        packed: false,
        ohwi: false,
      });
      const js = tf.engine().makeTensorFromTensorInfo(out);
      assert.deepEqual(Array.from(await js.data()), Array.from(await viaKernel.data()), axis);
      tf.dispose([viaKernel, js]);
    }
    tf.dispose([x, indices]);
  });

  // Packed per 16 output channels ([blocks, FH, FW, Cin, 16]): the same numbers as the HWIO gather, re-laid.
  const packedCases: [number[], number[], 'out' | 'in', number | undefined][] = [
    [[3, 3, 8, 40], [0, 3, 4, 9, 19, 39], 'out', 16],
    [[3, 3, 5, 20], Array.from({ length: 17 }, (_, i) => i + 2), 'out', 32],
    [[3, 3, 8, 40], [1, 2, 30], 'out', 48], // two blocks of padding only; 72 rows: tiles of 32, 32 and 8
    [[3, 3, 12, 32], [0, 5, 11], 'in', undefined],
    [[1, 1, 7, 16], [6, 2], 'in', undefined],
  ];
  for (const [shape, idx, axis, width] of packedCases) {
    it(`packed: the HWIO gather in blocks of 16 channels, module and JavaScript: [${shape}] ${axis}`, async () => {
      const backend = wasmBackend();
      const x = tf.tensor(randomHost(shape, 4).values, shape);
      const hwio = gather(x, idx, axis, width);
      const packed = gather(x, idx, axis, width, true);
      const [fh, fw, ci, co] = hwio.shape as [number, number, number, number];
      assert.deepEqual(packed.shape, [co / 16, fh, fw, ci, 16]);
      const expected = tf.transpose(tf.reshape(hwio, [fh, fw, ci, co / 16, 16]), [3, 0, 1, 2, 4]);
      assert.deepEqual(Array.from(await packed.data()), Array.from(await expected.data()));
      const indices = tf.tensor1d(idx, 'int32');
      const k = idx.length;
      const geometry = {
        axis,
        taps: shape[0]! * shape[1]!,
        cin: shape[2]!,
        cout: shape[3]!,
        k,
        width: width ?? k,
      };
      /** The JavaScript fallback's packed gather of `weight` (HWIO, or OHWI with `ohwi`). */
      const viaJs = (weight: tf.Tensor, ohwi: boolean) => {
        const out = backend.makeOutput([...packed.shape], 'float32');
        gatherChannelsJs(backend, weight, indices, out, { ...geometry, packed: true, ohwi });
        return tf.engine().makeTensorFromTensorInfo(out);
      };
      const js = viaJs(x, false);
      assert.deepEqual(Array.from(await js.data()), Array.from(await packed.data()), 'JavaScript fallback');
      tf.dispose([hwio, expected, js]);
      if (axis === 'out') {
        // From the weight in OHWI [Cout, FH, FW, Cin]: the same packed numbers, module and JavaScript.
        const ohwiWeight = tf.transpose(x, [3, 0, 1, 2]);
        const fromOhwi = gather(ohwiWeight, idx, 'out', width, true, 'ohwi');
        assert.deepEqual(fromOhwi.shape, packed.shape);
        assert.deepEqual(Array.from(await fromOhwi.data()), Array.from(await packed.data()), 'from OHWI');
        const js2 = viaJs(ohwiWeight, true);
        assert.deepEqual(
          Array.from(await js2.data()),
          Array.from(await packed.data()),
          'JavaScript from OHWI',
        );
        tf.dispose([ohwiWeight, fromOhwi, js2]);
      }
      tf.dispose([x, packed, indices]);
    });
  }

  it('rejects an OHWI source outside packed output channels, and an unknown source, by name', () => {
    const x = tf.zeros([16, 3, 3, 4]);
    assert.throws(
      () => gather(x, [0, 1], 'in', undefined, true, 'ohwi'),
      /source 'ohwi' gathers output channels/,
    );
    assert.throws(() => gather(x, [0, 1], 'out', 16, false, 'ohwi'), /source 'ohwi' gathers output channels/);
    assert.throws(
      () => gather(x, [0, 1], 'out', 16, true, 'nhwc' as 'ohwi'),
      /attribute 'source' must be 'hwio' or 'ohwi'; got nhwc/,
    );
    x.dispose();
  });

  it('rejects an index outside the gathered axis and a width below the count, naming them', () => {
    const x = tf.zeros([3, 3, 4, 8]);
    assert.throws(() => gather(x, [0, 8], 'out'), /'indices' must lie in \[0, 8\); got 8/);
    assert.throws(() => gather(x, [0, 4], 'in'), /'indices' must lie in \[0, 4\); got 4/);
    assert.throws(() => gather(x, [0, 1, 2], 'out', 2), /attribute 'width' must be an integer >= 3; got 2/);
    assert.throws(() => gather(x, [0, 1, 2], 'out', 8, true), /packed output needs .* a multiple of 16/);
    x.dispose();
  });

  it('leaks nothing (engine, backend table, heap)', async () => {
    const x = tf.tensor(randomHost([3, 3, 16, 32], 3).values, [3, 3, 16, 32]);
    await expectNoWasmLeak(() => {
      gather(x, [0, 2, 5, 31], 'out', 16);
      gather(x, [3, 15], 'in');
    }, 'gather channels');
    x.dispose();
  });
});
