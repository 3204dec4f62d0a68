// The gate explorer's data, computed in Node by the library: the shipped checkpoint (copied as is: the browser
// verifies its digest), the test split's raw images (uint8, in dataset order) and, per test image, its label,
// the prediction and the dynamic MACs of the shipped model, recorded by recordGates over the same BatchLoader
// `batch-shaping analyze` uses. The explorer places a reader's image against this distribution and finds the
// nearest cheap and expensive test images in it.
import { copyFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { BatchLoader } from '../src/data/batch_loader.js';
import { readMeta } from '../src/data/meta_file.js';
import { layoutOf } from '../src/data/schema.js';
import { readShard } from '../src/data/shard_reader.js';
import type { TransformSpec } from '../src/data/transform_spec.js';
import { atomicWriteFile } from '../src/io/atomic_write.js';
import { countMacs } from '../src/models/macs.js';
import { recordGates } from '../src/train/gate_recorder.js';
import { loadPretrained, type PretrainedCard, pretrainedPath } from '../src/train/pretrained.js';

/** The name of the checkpoint the explorer runs. */
export const EXPLORER_CHECKPOINT = 'fashion-mnist-resnet20-gated';

/** test-set.json: everything the explorer page knows about the test split besides its pixels. */
export interface ExplorerTestSet {
  checkpoint: string;
  card: PretrainedCard;
  dataset: string;
  split: string;
  classes: string[];
  imageShape: [number, number, number];
  mean: number[];
  std: number[];
  evalTransform: TransformSpec;
  /** MACs of the network with every gate open (the dense network, gate modules excluded) and of the gate modules. */
  denseMacs: number;
  gateMacs: number;
  /** Gated blocks in forward order with their channel counts. */
  blocks: { name: string; channels: number }[];
  count: number;
  ids: string[];
  labels: number[];
  predictions: number[];
  macs: number[];
}

/** Writes model.safetensors, test-images.bin and test-set.json into `outDir`; returns what it wrote. */
export async function buildExplorerData(
  outDir: string,
  dataDir: string,
  log: (line: string) => void = () => {},
): Promise<ExplorerTestSet> {
  const meta = await readMeta(dataDir);
  const split = 'test';
  const splitMeta = meta.splits[split];
  if (splitMeta === undefined)
    throw new Error(`buildExplorerData: ${dataDir}/meta.json has no '${split}' split`);
  const { model, trainConfig, card } = await loadPretrained(EXPLORER_CHECKPOINT);
  try {
    if (meta.classes.length !== model.config.numClasses) {
      throw new Error(
        `buildExplorerData: ${dataDir} lists ${meta.classes.length} classes; ${EXPLORER_CHECKPOINT} predicts ${model.config.numClasses}`,
      );
    }
    const evalTransform: TransformSpec = trainConfig?.data.evalTransform ?? { kind: 'eval' };
    const started = Date.now();
    const loader = new BatchLoader(dataDir, meta, {
      split,
      batchSize: 500,
      shuffle: false,
      transform: evalTransform,
    });
    const records = await recordGates(model, { batches: loader.epoch(0), total: loader.numSamples }, {});
    log(
      `explorer: recorded the gates of ${records.count} test images in ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
    const layout = layoutOf(meta);
    const pixels: Uint8Array[] = [];
    for (const shard of splitMeta.shards) {
      pixels.push((await readShard(join(dataDir, shard.file), layout, shard.sha256)).images);
    }
    const [h, w] = meta.imageShape;
    const inputShape: [number, number, number] = [h, w, model.config.inputChannels];
    const macs = countMacs(model, inputShape);
    const channels = records.meta.layers;
    const testSet: ExplorerTestSet = {
      checkpoint: EXPLORER_CHECKPOINT,
      card,
      dataset: meta.name,
      split,
      classes: meta.classes,
      imageShape: meta.imageShape,
      mean: meta.mean,
      std: meta.std,
      evalTransform,
      denseMacs: macs.main,
      gateMacs: macs.gates,
      blocks: channels.map((l) => ({ name: l.name, channels: l.channels })),
      count: records.count,
      ids: records.ids,
      labels: Array.from(records.labels),
      predictions: Array.from(records.predictions),
      macs: Array.from(records.macs),
    };
    await mkdir(outDir, { recursive: true });
    await copyFile(pretrainedPath(EXPLORER_CHECKPOINT), join(outDir, 'model.safetensors'));
    await atomicWriteFile(join(outDir, 'test-images.bin'), pixels);
    await atomicWriteFile(join(outDir, 'test-set.json'), JSON.stringify(testSet));
    return testSet;
  } finally {
    model.dispose();
  }
}
