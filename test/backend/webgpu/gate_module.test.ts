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
import { expectNoWebgpuLeak, setUpWebgpu, useKernel, WEBGPU_SKIP } from './webgpu_test_utils.js';

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
    const attrs = { epsilon: 1e-5, momentum: 0.1, tau: 2 / 3, xShape: [2, 3, 3, 4], hidden: 16 };
    const forward = (over: Record<string, tf.Tensor>) => () =>
      tf.tidy(() =>
        tf.engine().runKernel(
          GATE_FORWARD,
          {
            x: tf.zeros([2, 3, 3, 4]),
            w1: tf.zeros([4, 16]),
            gamma: tf.ones([16]),
            beta: tf.zeros([16]),
            w2: tf.zeros([16, 8]),
            b2: tf.zeros([8]),
            uniform: tf.fill([2, 8], 0.5),
            runningMean: tf.zeros([16]),
            runningVar: tf.ones([16]),
            ...over,
          },
          attrs as unknown as tf.NamedAttrMap,
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
          attrs as unknown as tf.NamedAttrMap,
        ),
      );
    assert.throws(
      backward(7),
      /BatchShapingGateBackward \(webgpu\): 'cache' must be float32 \[\d+\]; got float32 \[7\]/,
    );
  });

  it('frees every buffer it made when a program fails midway', async () => {
    await tf.setBackend('webgpu');
    const backend = tf.backend() as unknown as {
      runWebGPUProgram: (...args: unknown[]) => unknown;
      numDataIds(): number;
    };
    const inputs = {
      x: tf.randomNormal([2, 3, 3, 4], 0, 1, 'float32', 1),
      w1: tf.randomNormal([4, 16], 0, 1, 'float32', 2),
      gamma: tf.ones([16]),
      beta: tf.zeros([16]),
      w2: tf.ones([16, 8]),
      b2: tf.zeros([8]),
      uniform: tf.fill([2, 8], 0.5),
      runningMean: tf.zeros([16]),
      runningVar: tf.ones([16]),
    };
    const attrs = { epsilon: 1e-5, momentum: 0.1, tau: 2 / 3, xShape: [2, 3, 3, 4], hidden: 16 };
    const real = backend.runWebGPUProgram;
    let calls = 0;
    // The 7th of the forward's 9 programs fails: 3 intermediates and 3 outputs exist by then.
    backend.runWebGPUProgram = (...args: unknown[]) => {
      calls++;
      if (calls === 7) throw new Error('injected program failure');
      return real.apply(backend, args);
    };
    const ids = backend.numDataIds();
    try {
      assert.throws(
        () => tf.engine().runKernel(GATE_FORWARD, inputs, attrs as unknown as tf.NamedAttrMap),
        /injected program failure/,
      );
    } finally {
      backend.runWebGPUProgram = real;
    }
    assert.equal(calls, 7);
    assert.equal(backend.numDataIds(), ids, 'buffers made before the failure were freed');
    tf.dispose(Object.values(inputs));
  });

  it('forward and backward leak nothing (engine tensors, webgpu data table)', async () => {
    await expectNoWebgpuLeak(() => {
      const x = tf.randomNormal([4, 3, 3, 6], 0, 1, 'float32', 1);
      const w1 = tf.randomNormal([6, 16], 0, 1, 'float32', 2);
      const uniform = tf.randomUniform([4, 8], 1e-6, 1 - 1e-6, 'float32', 3);
      const f = (xx: tf.Tensor, ww: tf.Tensor) => {
        const [logits, probs, mask] = tf.engine().runKernel(
          GATE_FORWARD,
          {
            x: xx,
            w1: ww,
            gamma: tf.ones([16]),
            beta: tf.zeros([16]),
            w2: tf.ones([16, 8]),
            b2: tf.zeros([8]),
            uniform,
            runningMean: tf.zeros([16]),
            runningVar: tf.ones([16]),
          },
          {
            epsilon: 1e-5,
            momentum: 0.1,
            tau: 2 / 3,
            xShape: [4, 3, 3, 6],
            hidden: 16,
          } as unknown as tf.NamedAttrMap,
        ) as tf.Tensor[];
        return tf.addN([tf.sum(logits!), tf.sum(probs!), tf.sum(mask!)]) as tf.Scalar;
      };
      const [dx, dw1] = tf.grads(f)([x, w1]);
      return tf.add(tf.sum(dx!), tf.sum(dw1!));
    }, 'gate module');
  });
});
