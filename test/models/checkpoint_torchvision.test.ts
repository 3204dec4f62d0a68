// Our checkpoints in PyTorch: a dense ResNet-18 saved by saveCheckpoint loads with Python's safetensors
// (`safetensors.torch.load_file`) into torch tensors that are torchvision's resnet18 state dict by name: every
// tensor of ours has torchvision's name and, once conv weights go HWIO -> OIHW and dense weights [in, out] ->
// [out, in] (README "Reading the files from Python"), its shape; torchvision then lacks only its BatchNorm
// step counters (num_batches_tracked). Loaded into torchvision's model, it computes our logits. Runs in the
// project's .venv (scripts/python_env.sh) with Debian's PyTorch and torchvision.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { saveCheckpoint } from '../../src/models/checkpoint.js';
import { createModel } from '../../src/models/registry.js';
import { useBackend } from '../helpers/backends.js';
import { runPython, skipWithoutPython } from '../helpers/python_env.js';
import { values } from '../helpers/read.js';

const skip = skipWithoutPython(['safetensors.torch', 'torch', 'torchvision']);

// argv: checkpoint, input (float32 NHWC, raw), N, H, W, numClasses.
const TORCHVISION = `
import json, sys
import numpy as np, torch, torchvision
from safetensors.torch import load_file
path, xfile, n, h, w, classes = sys.argv[1], sys.argv[2], *map(int, sys.argv[3:7])
ours = load_file(path)
types = sorted({type(t).__name__ for t in ours.values()})
def to_torch(name, t):
    if t.dim() == 4: return t.permute(3, 2, 0, 1).contiguous()   # HWIO -> OIHW
    if t.dim() == 2: return t.t().contiguous()                   # [in, out] -> [out, in]
    return t
state = {k: to_torch(k, t) for k, t in ours.items()}
net = torchvision.models.resnet18(num_classes=classes).eval()
theirs = net.state_dict()
shape_mismatch = [k for k in state if k in theirs and tuple(theirs[k].shape) != tuple(state[k].shape)]
result = net.load_state_dict(state, strict=False)
x = torch.from_numpy(np.fromfile(xfile, dtype="<f4").reshape(n, h, w, 3)).permute(0, 3, 1, 2)
with torch.no_grad():
    logits = net(x)
print(json.dumps({"types": types, "count": len(ours), "missing": sorted(result.missing_keys),
                  "unexpected": sorted(result.unexpected_keys), "shape_mismatch": shape_mismatch,
                  "logits": logits.flatten().tolist()}))
`;

describe('checkpoints in PyTorch (safetensors + torchvision)', { skip }, () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bs-torchvision-'));
    await useBackend('wasm');
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('a dense ResNet-18 is torchvision resnet18 by name and shape, and gives our logits', async () => {
    const [n, h, w, classes] = [2, 64, 64, 7];
    const model = createModel('resnet18', { gating: 'none', numClasses: classes, seed: 3 });
    const x = tf.randomNormal([n, h, w, 3], 0, 1, 'float32', 5) as tf.Tensor4D;
    // One training-mode pass moves the BatchNorm running statistics away from 0 and 1.
    tf.tidy(() => {
      model.apply(x, { training: true });
    });
    const logits = (await values(tf.tidy(() => model.apply(x, { training: false }).logits))) as Float32Array;
    const path = join(dir, 'resnet18.safetensors');
    await saveCheckpoint(path, {
      tensors: model.stateDict(),
      config: model.config,
    });
    const xfile = join(dir, 'x.f32');
    await writeFile(xfile, (await values(x)) as Float32Array);
    model.dispose();

    const got = runPython<{
      types: string[];
      count: number;
      missing: string[];
      unexpected: string[];
      shape_mismatch: string[];
      logits: number[];
    }>(TORCHVISION, [path, xfile, String(n), String(h), String(w), String(classes)]);
    assert.deepEqual(got.types, ['Tensor']);
    assert.deepEqual(got.unexpected, [], 'every tensor of ours has a torchvision name');
    assert.deepEqual(got.shape_mismatch, []);
    assert.ok(
      got.missing.every((k) => k.endsWith('.num_batches_tracked')),
      `torchvision tensors we lack: ${got.missing.filter((k) => !k.endsWith('.num_batches_tracked'))}`,
    );
    assert.equal(got.count, 102, 'resnet18: 62 weights + 40 BatchNorm running statistics');
    assert.equal(got.logits.length, logits.length);
    const scale = Math.max(...Array.from(logits, Math.abs));
    const worst = Math.max(...got.logits.map((v, i) => Math.abs(v - logits[i]!)));
    assert.ok(worst <= 1e-4 * scale, `PyTorch logits differ from ours by ${worst} (scale ${scale})`);
  });
});
