// Fashion-MNIST (Xiao, Rasul, Vollgraf, 2017; github.com/zalandoresearch/fashion-mnist) -> Arrow shards.
// Source: a folder with the four IDX files, gzipped or not (train-images-idx3-ubyte[.gz], ...). By
// default Debian's `dataset-fashion-mnist` folder when installed, else `--download` fetches the official
// files and checks the MD5s published in Zalando's README. Debian re-compresses the .gz files (their MD5s
// differ from the official ones; the decompressed IDX data is what we validate: magic, dims, counts),
// so MD5s are enforced on downloads and on files passed through `md5`, not on local files by default.
// Output: splits train (60 000) and test (10 000), images [28, 28, 1] uint8, labels 0..9.

import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { writeMeta } from '../meta_file.js';
import { SCHEMA_VERSION } from '../schema.js';
import { splitMeta } from '../shard_writer.js';
import { sha256OfFile, verifyMd5 } from './checksum.js';
import { downloadFile } from './download.js';
import { readIdxFile } from './idx_format.js';
import { PrepareError } from './prepare_error.js';
import {
  beginOutput,
  checkShardSize,
  defaultShardSize,
  expectedMd5,
  type PrepareOptions,
  type PrepareResult,
  resolveProgress,
} from './prepare_options.js';
import { stagedPrepare } from './staged_output.js';
import { writeSplit } from './write_split.js';

export const FASHION_MNIST_CLASSES = [
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
];

/** Official files and MD5s (zalandoresearch/fashion-mnist README). */
export const FASHION_MNIST_FILES: Record<string, string> = {
  'train-images-idx3-ubyte.gz': '8d4fb7e6c68d591d4c3dfef9ec88bf0d',
  'train-labels-idx1-ubyte.gz': '25c81989df183df01b3e8a0aad5dffbe',
  't10k-images-idx3-ubyte.gz': 'bef4ecab320f06d8554ea6380940ec79',
  't10k-labels-idx1-ubyte.gz': 'bb300cfdad3c16e7a12a480ee83cd310',
};
export const FASHION_MNIST_URL = 'http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/';
/** Where Debian's `dataset-fashion-mnist` package puts the files. */
export const FASHION_MNIST_DEBIAN_DIR = '/usr/share/datasets/fashion-mnist';

const SPLITS = [
  { split: 'train', images: 'train-images-idx3-ubyte', labels: 'train-labels-idx1-ubyte' },
  { split: 'test', images: 't10k-images-idx3-ubyte', labels: 't10k-labels-idx1-ubyte' },
];

function findIdx(dir: string, base: string): string {
  for (const name of [base, `${base}.gz`]) {
    const p = join(dir, name);
    if (existsSync(p)) return p;
  }
  throw new PrepareError(join(dir, `${base}[.gz]`), 'missing Fashion-MNIST file');
}

async function prepareFashionMnistInto(options: PrepareOptions): Promise<PrepareResult> {
  checkShardSize('prepareFashionMnist', options.shardSize);
  const progress = resolveProgress(options.progress);
  let source = options.source ?? (options.download ? join(options.out, 'raw') : FASHION_MNIST_DEBIAN_DIR);
  if (options.download) {
    for (const [file, md5] of Object.entries(FASHION_MNIST_FILES)) {
      const expected = expectedMd5(options, file, md5);
      await downloadFile(`${options.baseUrl ?? FASHION_MNIST_URL}${file}`, join(source, file), {
        md5: expected,
        progress,
      });
    }
  }
  if (!existsSync(source) || !statSync(source).isDirectory()) {
    throw new PrepareError(source, 'Fashion-MNIST source folder not found (pass --source, or --download)');
  }
  source = source.replace(/\/+$/, '');
  await beginOutput(options.out);

  const results = [];
  const sources = [];
  const shardSize = options.shardSize ?? defaultShardSize(28 * 28);
  // Read and validate every file before writing anything: a bad test file must not leave train shards.
  const loaded = [];
  for (const s of SPLITS) {
    const imagesPath = findIdx(source, s.images);
    const labelsPath = findIdx(source, s.labels);
    for (const p of [imagesPath, labelsPath]) {
      const name = p.slice(source.length + 1);
      // Local files: checked only against MD5s the caller passes (see the header).
      await verifyMd5(p, expectedMd5(options, name, null));
    }
    const images = await readIdxFile(imagesPath);
    const labels = await readIdxFile(labelsPath);
    if (images.dims.length !== 3 || images.dims[1] !== 28 || images.dims[2] !== 28) {
      throw new PrepareError(
        imagesPath,
        `expected images of dims [N, 28, 28], got [${images.dims.join(', ')}]`,
      );
    }
    if (labels.dims.length !== 1 || labels.dims[0] !== images.dims[0]) {
      throw new PrepareError(
        labelsPath,
        `expected ${images.dims[0]} labels (one per image in ${imagesPath}), got dims [${labels.dims.join(', ')}]`,
      );
    }
    const bad = labels.data.findIndex((l) => l >= FASHION_MNIST_CLASSES.length);
    if (bad >= 0)
      throw new PrepareError(labelsPath, `label ${labels.data[bad]} of record ${bad} is not in 0..9`);
    loaded.push({ ...s, imagesPath, labelsPath, images, labels });
  }

  for (const s of loaded) {
    const { images, labels } = s;
    const n = images.dims[0]!; // dims checked to be [N, 28, 28] above
    const pixels = 28 * 28;
    const records = Array.from({ length: n }, (_, i) => ({
      id: `${s.split}-${String(i).padStart(5, '0')}`,
      // [28, 28, 1]: IDX rows are already row-major HWC with one channel
      decode: async () => ({
        image: images.data.subarray(i * pixels, (i + 1) * pixels),
        label: labels.data[i]!,
      }),
    }));
    results.push(
      await writeSplit({
        outDir: options.out,
        split: s.split,
        task: 'classification',
        imageShape: [28, 28, 1],
        numClasses: 10,
        shardSize,
        records,
        total: n,
        progress,
      }),
    );
    for (const p of [s.imagesPath, s.labelsPath]) {
      sources.push({ name: p.slice(source.length + 1), sha256: await sha256OfFile(p) });
    }
  }
  // One result per split of the loop above, in its order.
  const train = results[0]!;
  const test = results[1]!;
  await writeMeta(options.out, {
    schemaVersion: SCHEMA_VERSION,
    name: 'fashion-mnist',
    task: 'classification',
    classes: FASHION_MNIST_CLASSES,
    imageShape: [28, 28, 1],
    splits: { train: splitMeta(train), test: splitMeta(test) },
    mean: train.mean,
    std: train.std,
    sources,
    difficulty: false,
    description:
      'Fashion-MNIST (Xiao et al., 2017), MIT licence, from the official IDX files; ' +
      'ids are <split>-<index in the IDX file>.',
  });
  return {
    out: options.out,
    counts: { train: train.count, test: test.count },
    reused: { train: train.reused, test: test.reused },
  };
}

/**
 * Prepares the dataset into `options.out`. Locked against a second process; a rebuild over a complete
 * dataset is staged and swapped in on success, so a failure leaves the existing dataset untouched.
 */
export const prepareFashionMnist: (options: PrepareOptions) => Promise<PrepareResult> =
  stagedPrepare(prepareFashionMnistInto);
