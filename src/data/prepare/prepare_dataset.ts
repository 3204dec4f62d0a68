// The table of preparable datasets: name -> prepare function, used by the CLI (`batch-shaping prepare`)
// and data-scripts/<dataset>/prepare.ts. Adding a dataset is one row here plus its own file.

import { prepareCifar10 } from './cifar10.js';
import { prepareCityscapes } from './cityscapes.js';
import { prepareFashionMnist } from './fashion_mnist.js';
import { prepareImagenet } from './imagenet.js';
import type { PrepareOptions, PrepareResult } from './prepare_options.js';

export interface DatasetPreparer {
  /** One line for `--help`. */
  summary: string;
  /** What `--size` means for this dataset, or null when it takes none. */
  sizeHelp: string | null;
  prepare: (options: PrepareOptions & Record<string, unknown>) => Promise<PrepareResult>;
}

export const DATASET_PREPARERS: Record<string, DatasetPreparer> = {
  'fashion-mnist': {
    summary: 'Fashion-MNIST IDX files (Debian dataset-fashion-mnist, or --download) -> 28x28x1',
    sizeHelp: null,
    prepare: prepareFashionMnist,
  },
  cifar10: {
    summary: 'CIFAR-10 binary version (cifar-10-binary.tar.gz or cifar-10-batches-bin/) -> 32x32x3',
    sizeHelp: null,
    prepare: prepareCifar10,
  },
  imagenet: {
    summary:
      'ILSVRC2012 archives + devkit, or train/<wnid>/ + val/ folders (Imagenette, Imagewoof) -> size x size x 3',
    sizeHelp: 'shorter side and centre crop in px (default 256 for 1000 classes, else 160)',
    prepare: prepareImagenet,
  },
  cityscapes: {
    summary:
      'Cityscapes leftImg8bit/ + gtFine/ folders or the official zips -> H x W x 3 + 19-class trainId masks',
    sizeHelp: '"HxW" or "H" (W = 2H), default 512x1024',
    prepare: prepareCityscapes,
  },
};

export function listPreparableDatasets(): string[] {
  return Object.keys(DATASET_PREPARERS);
}

/** Prepares dataset `name`; throws naming the known datasets when `name` is not one. */
export async function prepareDataset(
  name: string,
  options: PrepareOptions & Record<string, unknown>,
): Promise<PrepareResult> {
  const entry = DATASET_PREPARERS[name];
  if (entry === undefined) {
    throw new Error(
      `prepareDataset: name: expected one of ${listPreparableDatasets().join(', ')}, got ${JSON.stringify(name)}`,
    );
  }
  return entry.prepare(options);
}
