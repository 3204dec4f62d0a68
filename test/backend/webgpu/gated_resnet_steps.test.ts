// The GPU path trains like the CPU path: a gated ResNet-20 (the paper's CIFAR model, full width, 9 gated
// blocks, so the step sums 9 gate tensors with AddN) takes 3 SGD steps with the method's total loss on webgpu
// and on wasm from the same seeded weights and batch; every loss term of every step agrees within 1e-3
// relative (measured on lavapipe: 1.3e-5 at most). Before AddN was split to the device limit, the total loss of
// such a step came out 0.1 instead of 2.86 on webgpu (Dawn dropped the command buffer).
// The hard gates are thresholds: a gate logit within rounding of 0 flips between backends and moves the loss
// discretely (one flip in ~2900 decisions changed the cross-entropy by 3e-3 with other input seeds). So the
// gate-on fraction must agree exactly too: a flip is reported as such, not as a loss tolerance to widen.
// Needs a WebGPU adapter (lavapipe in CI: ~30 s).
import { describe, it } from 'node:test';
import { WEBGPU_READY } from '../../helpers/backends.js';
import { expectStepsMatch, threeSteps } from '../../helpers/gated_resnet_steps.js';

const skip = WEBGPU_READY ? false : 'no WebGPU adapter (BATCH_SHAPING_WEBGPU_READY is not 1)';

describe('gated ResNet-20, 3 SGD steps: webgpu equals wasm', { skip }, () => {
  it('every loss term of every step within 1e-3 relative', async () => {
    const wasm = await threeSteps('wasm');
    const webgpu = await threeSteps('webgpu');
    console.log(expectStepsMatch(wasm, webgpu).join('\n'));
  });
});
