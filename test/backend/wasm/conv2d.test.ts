import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { DIRECT_CONV2D, setWasmConv2DMaxThreads, unpackFilter } from '../../../src/backend/wasm/conv2d.js';
import {
  isOurWasmKernel,
  registerWasmKernels,
  restoreStockWasmKernels,
} from '../../../src/backend/wasm/register_wasm_kernels.js';
import { convKernels } from '../../../src/backend/wasm/simd/conv.js';
import { wasmLiveDataIds } from '../../../src/backend/wasm/wasm_kernel_utils.js';
import { useBackend } from '../../helpers/backends.js';
import { outSize, type Pad } from '../../helpers/conv_grad_cases.js';
import {
  expectCpuWasmMatch,
  expectNoWasmLeak,
  maxRelErr,
  randomHost,
  runOn,
  wasmBackend,
} from './wasm_test_utils.js';

type Stride = number | [number, number];

function conv(stride: Stride, pad: Pad, dilation = 1) {
  return (x: tf.Tensor, w: tf.Tensor) =>
    tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, stride, pad, 'NHWC', dilation);
}

describe('wasm Conv2D on our SIMD module (one XNNPACK thread, as in these tests)', () => {
  before(async () => {
    await useBackend('cpu');
    await useBackend('wasm');
    assert.ok(convKernels(wasmBackend()), 'our SIMD module is on the heap');
    assert.equal(isOurWasmKernel('Conv2D'), true);
  });

  for (const batch of [1, 8]) {
    for (const k of [1, 3, 7]) {
      for (const stride of [1, 2]) {
        for (const pad of ['same', 'valid', 2] as Pad[]) {
          it(`matches cpu: batch ${batch}, ${k}x${k}, stride ${stride}, pad ${pad}`, async () => {
            const size = k === 7 ? 11 : 9;
            // 16-wide tiles (co 16, 32) and 8-wide ones (co 8, 24), odd widths and input channel counts.
            const [ci, co] =
              stride === 1 ? (batch === 1 ? [17, 16] : [9, 8]) : batch === 1 ? [16, 32] : [8, 24];
            const x = randomHost([batch, size, size + 1, ci], 1 + k + stride);
            const w = randomHost([k, k, ci, co], 7 + k);
            await expectCpuWasmMatch([x, w], conv(stride, pad), `conv k${k} s${stride} ${pad}`);
          });
        }
      }
    }
  }

  it('matches cpu with unequal strides [2, 1], dilation 2, and an odd output width', async () => {
    const x = randomHost([2, 9, 11, 16], 1);
    const w = randomHost([3, 3, 16, 16], 2);
    await expectCpuWasmMatch([x, w], conv([2, 1], 'same'), 'strides [2, 1]');
    await expectCpuWasmMatch([x, w], conv(1, 'same', 2), 'dilation 2');
    await expectCpuWasmMatch([x, w], conv(1, 1), 'explicit pad 1');
    assert.equal(outSize(11, 3, 2, 'same') % 2, 0);
    await expectCpuWasmMatch([randomHost([2, 9, 9, 16], 3), w], conv(1, 'valid'), 'odd output width 7');
  });

  it('is bit-identical to the stock XNNPACK kernel (same summation order)', async () => {
    const inputs = [randomHost([4, 12, 12, 32], 5), randomHost([3, 3, 32, 32], 6)];
    const [ours] = await runOn('wasm', inputs, conv(1, 'same'));
    restoreStockWasmKernels(['Conv2D']);
    let stock: Float64Array[];
    try {
      stock = await runOn('wasm', inputs, conv(1, 'same'));
    } finally {
      registerWasmKernels();
    }
    assert.deepEqual(ours, stock[0]);
  });

  it('leaves what it does not compute to the stock kernel: output channels not a multiple of 16, few inputs', async () => {
    await expectCpuWasmMatch(
      [randomHost([2, 8, 8, 16], 1), randomHost([3, 3, 16, 5], 2)],
      conv(1, 'same'),
      'co 5',
    );
    await expectCpuWasmMatch(
      [randomHost([2, 8, 8, 3], 1), randomHost([3, 3, 3, 16], 2)],
      conv(1, 'same'),
      'ci 3',
    );
  });

  it('BatchShapingDirectConv2D (fresh weights per call) computes any input width, and falls back on Conv2D', async () => {
    const direct = (x: tf.Tensor, w: tf.Tensor) =>
      tf
        .engine()
        .runKernel(
          DIRECT_CONV2D,
          { x, filter: w },
          { strides: 1, pad: 1, dataFormat: 'NHWC', dilations: 1 },
        ) as tf.Tensor;
    const cpuConv = (x: tf.Tensor, w: tf.Tensor) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, 1);
    for (const [ci, co] of [
      [128, 16], // wider than the registered Conv2D takes ours for
      [96, 24], // 8-wide tiles
      [16, 5], // not a multiple of 8: the registered Conv2D (stock)
    ] as const) {
      const inputs = [randomHost([2, 7, 9, ci], ci), randomHost([3, 3, ci, co], co)];
      const [want] = await runOn('cpu', inputs, cpuConv);
      const [got] = await runOn('wasm', inputs, direct);
      assert.ok(maxRelErr(want!, got!) <= 1e-4, `direct conv ${ci}->${co}: ${maxRelErr(want!, got!)}`);
    }
  });

  it('BatchShapingDirectConv2D on a filter packed per 16 output channels: bit-identical to the HWIO one', async () => {
    await useBackend('wasm');
    const attrs = { strides: 1, pad: 1, dataFormat: 'NHWC', dilations: 1 };
    for (const [ci, co, hw, stride] of [
      [5, 32, 9, 1], // few input channels (the conv after a gate with 5 open)
      [64, 16, 7, 1],
      [24, 48, 8, 2],
    ] as const) {
      const x = tf.tensor(randomHost([2, hw, hw, ci], ci).values, [2, hw, hw, ci]);
      const w = tf.tensor(randomHost([3, 3, ci, co], co).values, [3, 3, ci, co]);
      const packed = tf.transpose(tf.reshape(w, [3, 3, ci, co / 16, 16]), [3, 0, 1, 2, 4]);
      const run = (filter: tf.Tensor) =>
        tf.engine().runKernel(DIRECT_CONV2D, { x, filter }, { ...attrs, strides: stride }) as tf.Tensor;
      const want = tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, stride, 1);
      const hwio = ci >= 8 ? run(w) : want;
      const got = run(packed);
      assert.ok(maxRelErr(await want.data(), await got.data()) <= 1e-4, `packed ${ci}->${co}`);
      assert.deepEqual(
        Array.from(await got.data()),
        Array.from(await hwio.data()),
        `bit-identical ${ci}->${co}`,
      );
      tf.dispose([x, w, packed, want, hwio, got]);
    }
    // Without our module the packed filter is unpacked for the stock Conv2D: unpackFilter inverts the packing.
    const w = tf.tensor(randomHost([3, 3, 4, 32], 9).values, [3, 3, 4, 32]);
    const packed = tf.transpose(tf.reshape(w, [3, 3, 4, 2, 16]), [3, 0, 1, 2, 4]);
    const back = new Float32Array(w.size);
    unpackFilter((await packed.data()) as Float32Array, back, [3, 3, 4, 32]);
    assert.deepEqual(Array.from(back), Array.from(await w.data()));
    assert.throws(
      () => tf.engine().runKernel(DIRECT_CONV2D, { x: tf.zeros([1, 4, 4, 3]), filter: packed }, attrs),
      /a packed 'filter' must be float32 \[Co\/16, FH, FW, Ci, 16\] for 'x' float32 \[N, H, W, Ci\]/,
    );
    tf.dispose([w, packed]);
  });

  it('BatchShapingDirectConv2D bias, residual and ReLU: in the packed conv bit-identical to the Add and Relu kernels', async () => {
    await useBackend('wasm');
    const base = { strides: 1, pad: 1, dataFormat: 'NHWC', dilations: 1 };
    for (const [ci, co, hw, batch] of [
      [8, 32, 6, 2], // rows split on 2 threads
      [64, 48, 3, 1], // a filter larger than the map: split by channel blocks on 2 threads; odd output width
    ] as const) {
      const x = tf.tensor(randomHost([batch, hw, hw, ci], ci).values, [batch, hw, hw, ci]);
      const w = tf.tensor(randomHost([3, 3, ci, co], co).values, [3, 3, ci, co]);
      const bias = tf.tensor(randomHost([co], 3).values, [co]);
      const residual = tf.tensor(randomHost([batch, hw, hw, co], 4).values, [batch, hw, hw, co]);
      const packed = tf.transpose(tf.reshape(w, [3, 3, ci, co / 16, 16]), [3, 0, 1, 2, 4]);
      const run = (filter: tf.Tensor, activation: string, withBias: boolean, withResidual: boolean) =>
        tf.engine().runKernel(
          DIRECT_CONV2D,
          {
            x,
            filter,
            ...(withBias && { bias }),
            ...(withResidual && { residual }),
          },
          { ...base, activation },
        ) as tf.Tensor;
      for (const [activation, withBias, withResidual] of [
        ['relu', true, false],
        ['linear', true, false],
        ['relu', false, false],
        ['relu', true, true],
        ['linear', false, true],
      ] as const) {
        const plain = run(packed, 'linear', false, false);
        const biased = withBias ? tf.add(plain, bias) : plain;
        const added = withResidual ? tf.add(biased, residual) : biased;
        const want = activation === 'relu' ? tf.relu(added) : added;
        const fused = run(packed, activation, withBias, withResidual);
        // The Add and Relu kernels after the HWIO direct conv.
        const hwio = run(w, activation, withBias, withResidual);
        const cpu = tf.tidy(() => {
          const y = tf.add(
            tf.add(tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, 1), withBias ? bias : 0),
            withResidual ? residual : 0,
          );
          return activation === 'relu' ? tf.relu(y) : y;
        });
        const what = `${ci}->${co} ${activation}${withBias ? ' + bias' : ''}${withResidual ? ' + residual' : ''}`;
        assert.deepEqual(Array.from(await fused.data()), Array.from(await want.data()), what);
        assert.deepEqual(Array.from(await hwio.data()), Array.from(await want.data()), `HWIO ${what}`);
        assert.ok(maxRelErr(await cpu.data(), await fused.data()) <= 1e-4, `against tf ops: ${what}`);
        if (activation === 'relu')
          assert.ok(
            (await fused.data()).some((v) => v === 0),
            'ReLU clipped nothing',
          );
        tf.dispose([plain, biased, added, want, fused, hwio, cpu]);
      }
      tf.dispose([x, w, bias, residual, packed]);
    }
  });

  it('BatchShapingDirectConv2D rejects a bias of the wrong width, a residual not shaped as the output and an unknown activation, by name', async () => {
    await useBackend('wasm');
    const x = tf.zeros([1, 4, 4, 8]);
    const filter = tf.zeros([2, 3, 3, 8, 16]);
    const attrs = { strides: 1, pad: 1, dataFormat: 'NHWC', dilations: 1 };
    assert.throws(
      () => tf.engine().runKernel(DIRECT_CONV2D, { x, filter, bias: tf.zeros([16]) }, attrs),
      /input 'bias' must be float32 \[32\] \(the filter's output channels\)/,
    );
    assert.throws(
      () => tf.engine().runKernel(DIRECT_CONV2D, { x, filter }, { ...attrs, activation: 'elu' }),
      /attribute 'activation' must be 'linear' or 'relu'; got "elu"/,
    );
    // A residual that an Add would broadcast ([16] against the output [1, 4, 4, 32]) or of another shape.
    for (const residual of [tf.zeros([32]), tf.zeros([1, 4, 4, 16])]) {
      for (const f of [filter, tf.zeros([3, 3, 8, 32])]) {
        const live = wasmLiveDataIds(wasmBackend());
        assert.throws(
          () => tf.engine().runKernel(DIRECT_CONV2D, { x, filter: f, residual }, attrs),
          /input 'residual' must be float32 \[1,4,4,32\] \(the conv's output\); got float32 \[/,
        );
        assert.equal(wasmLiveDataIds(wasmBackend()), live, 'refused before anything was allocated');
        if (f !== filter) f.dispose();
      }
      residual.dispose();
    }
    tf.dispose([x, filter]);
  });

  it('setWasmConv2DMaxThreads takes an integer >= 1, returns the previous value (threads: wasm_threads.test.ts)', () => {
    for (const bad of [0, 1.5, Number.NaN]) {
      assert.throws(
        () => setWasmConv2DMaxThreads(bad),
        new RegExp(`setWasmConv2DMaxThreads: 'threads' must be an integer >= 1; got ${bad}`),
      );
    }
    const previous = setWasmConv2DMaxThreads(3);
    assert.equal(previous, 2, 'the default: ours on up to 2 threads');
    assert.equal(setWasmConv2DMaxThreads(previous), 3);
  });

  it('leaks no tensors and no wasm heap over repeated calls (padded and unpadded)', async () => {
    await useBackend('wasm');
    const x = tf.tensor(randomHost([4, 10, 10, 16], 1).values, [4, 10, 10, 16]);
    const w = tf.tensor(randomHost([3, 3, 16, 32], 2).values, [3, 3, 16, 32]);
    await expectNoWasmLeak(
      () => {
        conv(1, 'same')(x, w);
        conv(2, 'valid')(x, w);
      },
      'Conv2D',
      20,
    );
    tf.dispose([x, w]);
  });
});
