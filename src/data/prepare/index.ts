// Public surface of dataset preparation (official raw files -> Arrow shards + meta.json).
// Re-exported by src/data/index.ts.

export type { Progress, ProgressFactory } from '../../io/progress.js';
export { createProgress, type ProgressMode } from '../../io/progress_mode.js';
export { CIFAR10_CLASSES, CIFAR10_MD5, prepareCifar10 } from './cifar10.js';
export { type CityscapesPrepareOptions, parseCityscapesSize, prepareCityscapes } from './cityscapes.js';
export { CITYSCAPES_CLASSES, CITYSCAPES_LABELS, cityscapesTrainIdLut } from './cityscapes_labels.js';
export { FASHION_MNIST_CLASSES, prepareFashionMnist } from './fashion_mnist.js';
export { ImagePool, type ImagePoolOptions } from './image_pool.js';
export { CLASS_NAMES_FILE, type ImagenetPrepareOptions, prepareImagenet } from './imagenet.js';
export { type ImagenetDevkit, readImagenetDevkit } from './imagenet_devkit.js';
export { type MatValue, readMat5 } from './mat5_reader.js';
export {
  DATASET_PREPARERS,
  type DatasetPreparer,
  listPreparableDatasets,
  prepareDataset,
} from './prepare_dataset.js';
export { PrepareError } from './prepare_error.js';
export type { PrepareOptions, PrepareResult } from './prepare_options.js';
