import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import {
  cacheLayout,
  type GateForwardArrays,
  gateForward,
} from '../../../src/backend/wasm/gate_module_math.js';
import { gatePoolKernels } from '../../../src/backend/wasm/simd/gate_pool.js';
import { simdUnavailable } from '../../../src/backend/wasm/simd_module.js';
import { GATE_BACKWARD_KERNEL, GATE_FORWARD_KERNEL } from '../../../src/gates/fused_gate.js';
import { useBackend } from '../../helpers/backends.js';
import { expectNoWasmLeak, maxRelErr, randomHost, wasmBackend } from './wasm_test_utils.js';

const HYPER = { epsilon: 1e-5, momentum: 0.1, tau: 2 / 3 };

/** Inputs of the forward kernel for x [N, H, W, C], hidden K, O gated channels (uniform draws in (0, 1)). */
function forwardInputs(shape: number[], k: number, o: number): Record<string, tf.Tensor> {
  const [n, , , c] = shape as [number, number, number, number];
  const host = (s: number[], seed: number) => tf.tensor(randomHost(s, seed).values, s);
  return {
    x: host(shape, 1),
    w1: host([c, k], 2),
    gamma: host([k], 3),
    beta: host([k], 4),
    w2: host([k, o], 5),
    b2: host([o], 6),
    uniform: tf.randomUniform([n, o], 1e-6, 1 - 1e-6, 'float32', 7),
    runningMean: host([k], 8),
    runningVar: tf.abs(host([k], 9)),
  };
}

function forwardAttrs(shape: number[], k: number): tf.NamedAttrMap {
  return { ...HYPER, xShape: shape, hidden: k } as unknown as tf.NamedAttrMap;
}

describe('wasm gate module kernels (BatchShapingGateForward / Backward)', () => {
  before(() => useBackend('wasm'));

  it('our SIMD pool loads', () => {
    assert.notEqual(gatePoolKernels(wasmBackend()), undefined, simdUnavailable('gate_pool'));
  });

  it('the SIMD pool and the JavaScript sums (no SIMD module) give the same outputs', async () => {
    const shape = [5, 6, 7, 13];
    const [k, o] = [16, 9];
    const inputs = forwardInputs(shape, k, o);
    const outs = tf.engine().runKernel(GATE_FORWARD_KERNEL, inputs, forwardAttrs(shape, k)) as tf.Tensor[];
    const d = { n: 5, pixels: 42, c: 13, k, o };
    const host = Object.fromEntries(
      await Promise.all(
        Object.entries(inputs).map(async ([name, t]) => [name, (await t.data()) as Float32Array]),
      ),
    ) as Record<string, Float32Array>;
    const sizes = [5 * o, 5 * o, 5 * o, cacheLayout(d).size, k, k];
    const js = sizes.map((s) => new Float32Array(s));
    const [logits, probs, mask, cache, newMean, newVar] = js as [
      Float32Array,
      Float32Array,
      Float32Array,
      Float32Array,
      Float32Array,
      Float32Array,
    ];
    gateForward(
      d,
      {
        ...(host as unknown as GateForwardArrays),
        u: host.uniform!,
        logits,
        probs,
        mask,
        cache,
        newMean,
        newVar,
      },
      HYPER,
    );
    for (const [i, t] of outs.entries()) {
      const err = maxRelErr(js[i]!, (await t.data()) as Float32Array);
      assert.ok(err <= 1e-5, `output ${i}: relative error ${err}`);
    }
    tf.dispose([...outs, ...Object.values(inputs)]);
  });

  it('rejects inputs of the wrong shape, naming the argument', () => {
    const shape = [2, 3, 3, 4];
    const inputs = forwardInputs(shape, 16, 8);
    assert.throws(
      () =>
        tf.engine().runKernel(GATE_FORWARD_KERNEL, { ...inputs, b2: tf.zeros([7]) }, forwardAttrs(shape, 16)),
      /BatchShapingGateForward \(wasm\): 'b2' must be float32 \[8\]; got float32 \[7\]/,
    );
    assert.throws(
      () =>
        tf.engine().runKernel(
          GATE_BACKWARD_KERNEL,
          {
            dLogits: tf.zeros([2, 8]),
            dProbs: tf.zeros([2, 8]),
            dMask: tf.zeros([2, 8]),
            cache: tf.zeros([3]),
          },
          forwardAttrs(shape, 16),
        ),
      /BatchShapingGateBackward \(wasm\): 'cache' must be float32 \[\d+\]; got float32 \[3\]/,
    );
    tf.dispose(Object.values(inputs));
  });

  it('forward and backward leak nothing (engine, backend table, heap)', async () => {
    const shape = [4, 5, 5, 8];
    await expectNoWasmLeak(() => {
      const inputs = forwardInputs(shape, 16, 12);
      const outs = tf.engine().runKernel(GATE_FORWARD_KERNEL, inputs, forwardAttrs(shape, 16)) as tf.Tensor[];
      const dy = tf.onesLike(outs[0]!);
      tf.engine().runKernel(
        GATE_BACKWARD_KERNEL,
        { dLogits: dy, dProbs: dy, dMask: dy, cache: outs[3]! },
        forwardAttrs(shape, 16),
      );
    }, 'gate module kernels');
  });
});
