// Our webgpu gate module kernels ('BatchShapingGateForward' / 'BatchShapingGateBackward') through the library's
// ChannelGate: outputs, every gradient and the BN running statistics against the tf-op gate on cpu, on ResNet-20's
// gated block shapes and odd ones (batch 1, 1x1 maps); the same noise-decided mask; the tf-op path when ours is
// switched off; input checks; leaks. Skips (saying why) where no WebGPU adapter was prepared.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { GATE_BACKWARD, GATE_FORWARD } from '../../../src/backend/webgpu/gate_module.js';
import { GATE_BACKWARD_KERNEL, GATE_FORWARD_KERNEL, hasFusedGate } from '../../../src/gates/fused_gate.js';
import {
  expectFusedGateMatches,
  expectSameNoiseDecidedMask,
  FUSED_GATE_CASES,
  runGate,
} from '../../helpers/gate_runs.js';
import {
  expectFreedOnProgramFailure,
  expectNoWebgpuLeak,
  setUpWebgpu,
  useKernel,
  WEBGPU_SKIP,
} from './webgpu_test_utils.js';

/** The forward kernel's inputs for K = 16 hidden and O = 8 gated channels: x, w1 and the draws, and fixed rest. */
function forwardInputs(x: tf.Tensor, w1: tf.Tensor, uniform: tf.Tensor): tf.NamedTensorMap {
  return {
    x,
    w1,
    gamma: tf.ones([16]),
    beta: tf.zeros([16]),
    w2: tf.ones([16, 8]),
    b2: tf.zeros([8]),
    uniform,
    runningMean: tf.zeros([16]),
    runningVar: tf.ones([16]),
  };
}

/** The kernels' attributes for a block input of shape `xShape` (hidden width 16). */
function gateAttrs(xShape: number[]): tf.NamedAttrMap {
  return { epsilon: 1e-5, momentum: 0.1, tau: 2 / 3, xShape, hidden: 16 } as unknown as tf.NamedAttrMap;
}

describe('webgpu gate module (ours)', { skip: WEBGPU_SKIP }, () => {
  let worst = 0;
  before(setUpWebgpu);
  after(() =>
    console.log(`# webgpu gate module: max relative error vs the cpu tf-op gate ${worst.toExponential(2)}`),
  );

  it('is the fused gate of src/gates, registered for webgpu', async () => {
    assert.deepEqual([GATE_FORWARD, GATE_BACKWARD], [GATE_FORWARD_KERNEL, GATE_BACKWARD_KERNEL]);
    await tf.setBackend('webgpu');
    assert.equal(hasFusedGate(), true);
  });

  for (const [shape, gated] of FUSED_GATE_CASES) {
    it(`matches the tf-op gate on cpu: outputs, every gradient, BN running stats [${shape}] -> ${gated}`, async () => {
      worst = Math.max(worst, await expectFusedGateMatches('webgpu', shape, gated));
    });
  }

  it('draws the same noise as the tf-op path: the mask flips where the noise decides', async () => {
    await expectSameNoiseDecidedMask('webgpu');
  });

  it('switched off, the gate runs the tf ops on webgpu', async () => {
    await tf.setBackend('webgpu');
    useKernel(GATE_FORWARD, 'stock');
    try {
      assert.equal(hasFusedGate(), false);
      const run = await runGate([2, 3, 3, 4], 8);
      assert.ok(!run.kernels.some((k) => k.startsWith('BatchShapingGate')));
    } finally {
      useKernel(GATE_FORWARD, 'ours');
    }
    assert.equal(hasFusedGate(), true);
  });

  it('rejects inputs of the wrong shape, naming the argument', async () => {
    await tf.setBackend('webgpu');
    const attrs = gateAttrs([2, 3, 3, 4]);
    const forward = (over: Record<string, tf.Tensor>) => () =>
      tf.tidy(() =>
        tf
          .engine()
          .runKernel(
            GATE_FORWARD,
            { ...forwardInputs(tf.zeros([2, 3, 3, 4]), tf.zeros([4, 16]), tf.fill([2, 8], 0.5)), ...over },
            attrs,
          ),
      );
    assert.throws(
      forward({ w1: tf.zeros([5, 16]) }),
      /BatchShapingGateForward \(webgpu\): 'w1' must be float32 \[4,16\]; got float32 \[5,16\]/,
    );
    assert.throws(forward({ uniform: tf.fill([2, 7], 0.5) }), /'uniform' must be float32 \[2,8\]/);
    assert.throws(forward({ x: tf.zeros([2, 3, 4]) }), /'x' must be \[N, H, W, C\]/);
    const backward = (cacheSize: number) => () =>
      tf.tidy(() =>
        tf.engine().runKernel(
          GATE_BACKWARD,
          {
            dLogits: tf.zeros([2, 8]),
            dProbs: tf.zeros([2, 8]),
            dMask: tf.zeros([2, 8]),
            cache: tf.zeros([cacheSize]),
          },
          attrs,
        ),
      );
    assert.throws(
      backward(7),
      /BatchShapingGateBackward \(webgpu\): 'cache' must be float32 \[\d+\]; got float32 \[7\]/,
    );
  });

  it('frees every buffer it made when a program fails midway', async () => {
    await tf.setBackend('webgpu');
    const inputs = forwardInputs(
      tf.randomNormal([2, 3, 3, 4], 0, 1, 'float32', 1),
      tf.randomNormal([4, 16], 0, 1, 'float32', 2),
      tf.fill([2, 8], 0.5),
    );
    // The 7th of the forward's 9 programs fails: 3 intermediates and 3 outputs exist by then.
    await expectFreedOnProgramFailure(
      7,
      () => tf.engine().runKernel(GATE_FORWARD, inputs, gateAttrs([2, 3, 3, 4])),
      GATE_FORWARD,
    );
    tf.dispose(Object.values(inputs));
  });

  it('forward and backward leak nothing (engine tensors, webgpu data table)', async () => {
    await expectNoWebgpuLeak(() => {
      const x = tf.randomNormal([4, 3, 3, 6], 0, 1, 'float32', 1);
      const w1 = tf.randomNormal([6, 16], 0, 1, 'float32', 2);
      const uniform = tf.randomUniform([4, 8], 1e-6, 1 - 1e-6, 'float32', 3);
      const f = (xx: tf.Tensor, ww: tf.Tensor) => {
        const [logits, probs, mask] = tf
          .engine()
          .runKernel(GATE_FORWARD, forwardInputs(xx, ww, uniform), gateAttrs([4, 3, 3, 6])) as tf.Tensor[];
        return tf.addN([tf.sum(logits!), tf.sum(probs!), tf.sum(mask!)]) as tf.Scalar;
      };
      const [dx, dw1] = tf.grads(f)([x, w1]);
      return tf.add(tf.sum(dx!), tf.sum(dw1!));
    }, 'gate module');
  });
});
