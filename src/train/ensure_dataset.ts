// Makes sure a run's dataset folder holds a prepared dataset (meta.json + shards) and says where it came
// from. Fashion-MNIST is prepared on first use: from Debian's dataset-fashion-mnist package when installed,
// else the official download, else (offline, no package) the synthetic shapes set at the same 28x28 size
// with a clear notice, so `npm start` always finishes. Synthetic data is written on first use. The large
// datasets (CIFAR-10, ImageNet, Cityscapes) must be prepared beforehand with `batch-shaping prepare`.
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { readMeta } from '../data/meta_file.js';
import { FASHION_MNIST_DEBIAN_DIR, prepareFashionMnist } from '../data/prepare/fashion_mnist.js';
import type { DatasetMeta } from '../data/schema.js';
import { writeSyntheticDataset } from '../data/synthetic.js';
import type { DataConfig } from './train_config.js';

export interface EnsuredDataset {
  meta: DatasetMeta;
  /** The data config actually used (dataset/dir change when the synthetic fallback is taken). */
  data: DataConfig;
  /** What happened, for the log: 'found', 'prepared from ...', or the fallback notice. */
  notice: string;
}

const PREPARE_HINT: Record<string, string> = {
  cifar10: 'batch-shaping prepare cifar10 --download --out <dir>',
  imagenet: 'batch-shaping prepare imagenet --source <ILSVRC2012 or Imagenette folder> --out <dir>',
  cityscapes: 'batch-shaping prepare cityscapes --source <cityscapes folder or zips> --out <dir>',
};

export async function ensureDataset(
  data: DataConfig,
  log: (line: string) => void = () => {},
): Promise<EnsuredDataset> {
  if (existsSync(join(data.dir, 'meta.json'))) {
    return { meta: await readMeta(data.dir), data, notice: `dataset: ${data.dir} (prepared)` };
  }
  if (data.dataset === 'synthetic') {
    return {
      meta: await writeSynthetic(data),
      data,
      notice: `dataset: synthetic shapes written to ${data.dir}`,
    };
  }
  if (data.dataset === 'fashion-mnist') {
    const attempts: string[] = [];
    if (existsSync(FASHION_MNIST_DEBIAN_DIR)) {
      try {
        log(`preparing Fashion-MNIST from ${FASHION_MNIST_DEBIAN_DIR} into ${data.dir} ...`);
        await prepareFashionMnist({ out: data.dir, source: FASHION_MNIST_DEBIAN_DIR, progress: 'quiet' });
        return {
          meta: await readMeta(data.dir),
          data,
          notice: `dataset: Fashion-MNIST prepared from Debian's dataset-fashion-mnist (${FASHION_MNIST_DEBIAN_DIR}) into ${data.dir}`,
        };
      } catch (err) {
        attempts.push(`Debian package: ${err instanceof Error ? err.message : String(err)}`);
      }
    } else {
      attempts.push(
        `Debian package: ${FASHION_MNIST_DEBIAN_DIR} not found (apt install dataset-fashion-mnist)`,
      );
    }
    try {
      log(`downloading Fashion-MNIST into ${data.dir} ...`);
      await prepareFashionMnist({ out: data.dir, download: true, progress: 'quiet' });
      return {
        meta: await readMeta(data.dir),
        data,
        notice: `dataset: Fashion-MNIST downloaded from the official site into ${data.dir}`,
      };
    } catch (err) {
      attempts.push(`download: ${err instanceof Error ? err.message : String(err)}`);
    }
    const fallback: DataConfig = {
      ...data,
      dataset: 'synthetic',
      dir: `${data.dir}-synthetic-fallback`,
      syntheticSize: 28,
    };
    const notice =
      'NOTICE: Fashion-MNIST is not available (' +
      attempts.join('; ') +
      `). Training on the SYNTHETIC shapes set instead (${fallback.dir}); accuracy figures are not Fashion-MNIST's.`;
    log(notice);
    const existing = existsSync(join(fallback.dir, 'meta.json'))
      ? await readMeta(fallback.dir)
      : await writeSynthetic(fallback);
    return { meta: existing, data: fallback, notice };
  }
  throw new Error(
    `train: no prepared dataset in ${data.dir} (meta.json missing); prepare it first: ${PREPARE_HINT[data.dataset] ?? 'batch-shaping prepare'}, or pass --data <dir>`,
  );
}

async function writeSynthetic(data: DataConfig): Promise<DatasetMeta> {
  await mkdir(data.dir, { recursive: true });
  await writeSyntheticDataset({
    outDir: data.dir,
    size: data.syntheticSize,
    train: data.syntheticTrain,
    test: data.syntheticTest,
    task: data.syntheticTask,
    seed: 0,
  });
  return readMeta(data.dir);
}
