// Every file a training run leaves, read back in Python with our users' tools, by the lines README "Reading the
// files from Python" shows: a real tiny run (train() on the synthetic set: dataset shards, per-step and
// per-epoch metrics, checkpoints) plus its gate records (recordGates, where `analyze` writes them). The
// README's Python block is taken from README.md and run as it stands (pandas through pyarrow, Polars,
// safetensors into torch tensors) in the run's parent folder; then the same two reading lines on every other
// Arrow file. Checked: the documented column names, Arrow/pandas/Polars types, and values agreeing with what
// the library itself reads back. Runs in the project's .venv (scripts/python_env.sh).
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readGateRecords } from '../../src/analysis/gate_records_arrow.js';
import { BatchLoader } from '../../src/data/batch_loader.js';
import { readMeta } from '../../src/data/meta_file.js';
import { loaderSource, recordGates } from '../../src/train/gate_recorder.js';
import { loadTrainedModel } from '../../src/train/load_trained_model.js';
import { readMetricsTable } from '../../src/train/metrics_table.js';
import { getPreset } from '../../src/train/presets.js';
import { runPaths } from '../../src/train/run_paths.js';
import { train } from '../../src/train/trainer.js';
import { useBackend } from '../helpers/backends.js';
import { REPO_ROOT, runPython, skipWithoutPython } from '../helpers/python_env.js';

const skip = skipWithoutPython(['pandas', 'pyarrow', 'polars', 'safetensors.torch', 'torch']);

/** The path README's block reads; replaced by each Arrow file's path to run the same lines on it. */
const README_ARROW = 'runs/my-run/metrics/epochs.arrow';
const README_HEADING = '## Reading the files from Python';

async function readmeBlock(): Promise<string> {
  const readme = await readFile(join(REPO_ROOT, 'README.md'), 'utf8');
  const at = readme.indexOf(README_HEADING);
  assert.ok(at >= 0, `README.md has no '${README_HEADING}' section`);
  const block = /```python\n([\s\S]*?)```/.exec(readme.slice(at));
  assert.ok(block, `README.md '${README_HEADING}' has no python code block`);
  const code = block[1]!;
  for (const line of [`pd.read_feather("${README_ARROW}")`, `pl.read_ipc("${README_ARROW}")`, 'load_file(']) {
    assert.ok(code.includes(line), `README's block no longer has ${line}`);
  }
  return code;
}

// Appended to the README's lines: what they produced, as JSON (df: pandas, pf: Polars, state: safetensors).
const INSPECT = `
import json, pyarrow.ipc as ipc, numpy as np
def plain(v):
    if isinstance(v, np.ndarray): v = v.tolist()
    if isinstance(v, np.generic): v = v.item()
    return None if isinstance(v, float) and v != v else v  # NaN -> null (JSON has no NaN)
schema = ipc.open_file(${JSON.stringify(README_ARROW)}).schema
out = {
  "arrow": {f.name: str(f.type) for f in schema},
  "pandas": {c: str(t) for c, t in df.dtypes.items()},
  "polars": {c: str(t) for c, t in pf.schema.items()},
  "rows": [len(df), pf.height],
  "first": {c: plain(df[c].iloc[0]) for c in df.columns if not c.startswith("gate_") and c != "image" and c != "mask"},
  "polars_first": {c: plain(v) for c, v in pf.row(0, named=True).items() if not c.startswith("gate_") and c != "image"},
}
if "image" in df.columns:
    shape = json.loads(schema.field("image").metadata[b"shape"])
    out["shape"] = shape
    out["image0"] = np.stack(df["image"]).reshape(-1, *shape)[0].ravel()[:16].tolist()
    out["image0_polars"] = pf["image"].to_numpy().reshape(-1, *shape)[0].ravel()[:16].tolist()
if "gate_mask" in df.columns:
    probs = np.stack(df["gate_probs"])
    g = probs.shape[1]
    bits = np.stack([np.unpackbits(m, bitorder="little")[:g] for m in df["gate_mask"]])
    out["gates"] = g
    out["mask_matches_probs"] = bool((bits == (probs > 0.5)).all())
    out["open_gates"] = int(bits.sum())
if "state" in globals():
    out["state"] = {k: [type(t).__module__ + "." + type(t).__name__, str(t.dtype), list(t.shape)] for k, t in state.items()}
print(json.dumps(out, allow_nan=False))
`;

interface Readback {
  arrow: Record<string, string>;
  pandas: Record<string, string>;
  polars: Record<string, string>;
  rows: [number, number];
  first: Record<string, unknown>;
  polars_first: Record<string, unknown>;
  shape?: number[];
  image0?: number[];
  image0_polars?: number[];
  gates?: number;
  mask_matches_probs?: boolean;
  open_gates?: number;
  state?: Record<string, [string, string, number[]]>;
}

const STEP_COLUMNS = [
  'epoch',
  'step',
  'globalStep',
  'lr',
  'gamma',
  'lambda',
  'loss',
  'ce',
  'bas',
  'l0',
  'accuracy',
  'gateOn',
  'imagesPerSecond',
];
const EPOCH_COLUMNS = [
  'epoch',
  'lr',
  'trainLoss',
  'trainCe',
  'trainBas',
  'trainL0',
  'trainAccuracy',
  'trainGateOn',
  'trainImagesPerSecond',
  'trainSeconds',
  'evalTop1',
  'evalTop5',
  'evalMeanIoU',
  'evalLoss',
  'evalMacFraction',
  'evalSeconds',
];
const allOf = (columns: string[], type: string) => Object.fromEntries(columns.map((c) => [c, type]));

describe('the files of a run, read in Python as README shows', { skip }, () => {
  let root = '';
  let code = '';
  const run = () => join(root, 'runs', 'my-run');
  const dataDir = () => join(root, 'data', 'synthetic-16');
  /** Runs README's block with its Arrow path replaced by `file` (relative to root). */
  const readBack = (file: string) =>
    runPython<Readback>(code.replaceAll(README_ARROW, file) + INSPECT.replaceAll(README_ARROW, file), [], {
      cwd: root,
    });

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'bs-readback-'));
    code = await readmeBlock();
    await useBackend('wasm');
    const cfg = getPreset('tiny');
    cfg.data.dir = dataDir();
    cfg.data.syntheticTrain = 64;
    cfg.data.syntheticTest = 32;
    cfg.data.maxStepsPerEpoch = 2;
    cfg.data.maxEvalSamples = 32;
    cfg.data.batchSize = 16;
    cfg.epochs = 2;
    const out = await train(cfg, { runDir: run(), quiet: true });
    assert.equal(out.status, 'completed', out.message);
    const { model } = await loadTrainedModel(runPaths(run()).finalCheckpoint);
    const meta = await readMeta(dataDir());
    const loader = new BatchLoader(dataDir(), meta, { split: 'test', batchSize: 16 });
    await mkdir(join(run(), 'analysis'), { recursive: true });
    try {
      await recordGates(model, loaderSource(loader), {
        out: join(run(), 'analysis', 'gate_records.arrow'),
        probs: true,
      });
    } finally {
      await loader.close();
      model.dispose();
    }
  });
  after(() => rm(root, { recursive: true, force: true }));

  it("README's block runs as written: per-epoch metrics in pandas and Polars, the checkpoint as torch tensors", async () => {
    const got = runPython<Readback>(code + INSPECT, [], { cwd: root });
    assert.deepEqual(got.arrow, allOf(EPOCH_COLUMNS, 'double'));
    assert.deepEqual(got.pandas, allOf(EPOCH_COLUMNS, 'float64'));
    assert.deepEqual(got.polars, allOf(EPOCH_COLUMNS, 'Float64'));
    const ours = await readMetricsTable(runPaths(run()).epochs);
    assert.deepEqual(got.rows, [ours.length, ours.length]);
    assert.equal(got.first.epoch, 0);
    assert.equal(got.first.trainLoss, ours[0]!.trainLoss);
    assert.equal(got.first.evalTop1, null, 'NaN: not evaluated after the first epoch');
    assert.equal(got.polars_first.trainLoss, ours[0]!.trainLoss);

    const state = got.state!;
    for (const [name, [type, dtype]] of Object.entries(state)) {
      assert.equal(type, 'torch.Tensor', name);
      assert.ok(['torch.float32', 'torch.int32'].includes(dtype), `${name}: ${dtype}`);
    }
    // torchvision's ResNet names; the CIFAR stem is 3x3 with 16 * width channels (HWIO as tfjs holds it).
    const width = Math.round(16 * getPreset('tiny').model.widthMultiplier!);
    assert.deepEqual(state['conv1.weight']![2], [3, 3, 3, width]);
    for (const name of ['bn1.weight', 'bn1.bias', 'bn1.running_mean', 'bn1.running_var']) {
      assert.deepEqual(state[name]![2], [width], name);
    }
    assert.ok(state['layer1.0.conv1.weight'] && state['layer3.2.bn2.running_var'], 'residual blocks');
    assert.deepEqual(state['fc.weight']![2], [4 * width, 10]);
    assert.ok(
      Object.keys(state).some((k) => k.startsWith('layer1.0.gate.')),
      'the gate modules are in the checkpoint',
    );
  });

  it('per-step metrics: the same two lines, every column float64', async () => {
    const file = relative(root, runPaths(run()).steps(1));
    const got = readBack(file);
    assert.deepEqual(got.arrow, allOf(STEP_COLUMNS, 'double'));
    assert.deepEqual(got.pandas, allOf(STEP_COLUMNS, 'float64'));
    assert.deepEqual(got.polars, allOf(STEP_COLUMNS, 'Float64'));
    const ours = await readMetricsTable(runPaths(run()).steps(1));
    assert.deepEqual(got.rows, [2, 2]);
    assert.deepEqual(got.first, ours[0]);
  });

  it('dataset shards: image, label, id, difficulty, with the images as NumPy arrays', async () => {
    for (const split of ['train', 'test']) {
      const file = relative(root, join(dataDir(), `${split}-00000.arrow`));
      const got = readBack(file);
      assert.deepEqual(got.arrow, {
        image: 'fixed_size_list<item: uint8 not null>[768]',
        label: 'int32',
        id: 'string',
        difficulty: 'float',
      });
      assert.deepEqual(got.pandas, { image: 'object', label: 'int32', id: 'object', difficulty: 'float32' });
      assert.deepEqual(got.polars, {
        image: 'Array(UInt8, shape=(768,))',
        label: 'Int32',
        id: 'String',
        difficulty: 'Float32',
      });
      assert.deepEqual(got.shape, [16, 16, 3]);
      assert.deepEqual(got.rows, split === 'train' ? [64, 64] : [32, 32]);
      assert.deepEqual(got.image0, got.image0_polars);
      assert.ok(got.image0!.every((v) => Number.isInteger(v) && v >= 0 && v <= 255));
      assert.ok(new Set(got.image0).size > 1, 'a real image, not a constant');
      assert.equal(got.first.id, got.polars_first.id);
    }
  });

  it('gate records: every documented column, the packed mask agreeing with the probabilities', async () => {
    const path = join(run(), 'analysis', 'gate_records.arrow');
    const got = readBack(relative(root, path));
    const ours = await readGateRecords(path);
    const layers = ours.meta.layers.map((l) => `active.${l.name}`);
    const G = got.gates!;
    assert.deepEqual(got.arrow, {
      id: 'string',
      label: 'int32',
      prediction: 'int32',
      confidence: 'float',
      loss: 'float',
      correct: 'bool',
      macs: 'double',
      difficulty: 'float',
      ...allOf(layers, 'int32'),
      gate_mask: `fixed_size_list<item: uint8 not null>[${Math.ceil(G / 8)}]`,
      gate_probs: `fixed_size_list<item: float not null>[${G}]`,
    });
    assert.deepEqual(got.pandas, {
      id: 'object',
      label: 'int32',
      prediction: 'int32',
      confidence: 'float32',
      loss: 'float32',
      correct: 'bool',
      macs: 'float64',
      difficulty: 'float32',
      ...allOf(layers, 'int32'),
      gate_mask: 'object',
      gate_probs: 'object',
    });
    assert.deepEqual(got.polars, {
      id: 'String',
      label: 'Int32',
      prediction: 'Int32',
      confidence: 'Float32',
      loss: 'Float32',
      correct: 'Boolean',
      macs: 'Float64',
      difficulty: 'Float32',
      ...allOf(layers, 'Int32'),
      gate_mask: `Array(UInt8, shape=(${Math.ceil(G / 8)},))`,
      gate_probs: `Array(Float32, shape=(${G},))`,
    });
    assert.deepEqual(got.rows, [ours.count, ours.count]);
    assert.equal(got.first.id, ours.ids[0]);
    assert.equal(got.first.macs, ours.macs[0]);
    assert.equal(got.first.correct, ours.predictions[0] === ours.labels[0]);
    assert.equal(got.mask_matches_probs, true, 'gate_mask bits = gate_probs > 0.5');
    const open = Array.from(ours.activeCounts).reduce((a, b) => a + b, 0);
    assert.equal(got.open_gates, open, 'the mask holds as many open gates as the active.* columns');
  });
});
