// `batch-shaping/data`: datasets. Preparation of the official raw files into Arrow shards + meta.json
// (prepareDataset and one function per dataset), fake raw datasets in the official layouts (smoke runs, tests),
// the synthetic shapes set, the shard format (meta.json, ShardWriter, readers), the batch loader and the
// augmentations, and verification. No tfjs runtime except batchToTensors.

export type { ProgressMode } from '../io/progress_mode.js';
export { type Batch, BatchLoader, type LoaderOptions } from './batch_loader.js';
export { type BatchTensors, batchToTensors } from './batch_tensors.js';
export { type EvalTransformOptions, evalTransform } from './eval_transform.js';
export {
  cifarBinaryBatch,
  type FakeCifar10Options,
  type FakeCifarRecord,
  writeFakeCifar10,
} from './fake_raw/fake_cifar10.js';
export {
  cityscapesFramePaths,
  cityscapesFrames,
  type FakeCityscapesFrame,
  type FakeCityscapesOptions,
  writeFakeCityscapes,
} from './fake_raw/fake_cityscapes.js';
export {
  type FakeImagenetOptions,
  type FakeImagenetSplit,
  fakeImagenetFile,
  IMAGENETTE_WNIDS,
  writeFakeImagenet,
} from './fake_raw/fake_imagenet.js';
export { readMeta, writeMeta } from './meta_file.js';
export { MetaValidationError, validateMeta } from './meta_schema.js';
export { type PadCropFlipOptions, padCropFlip } from './pad_crop_flip.js';
export { CIFAR10_CLASSES, prepareCifar10 } from './prepare/cifar10.js';
export { type CityscapesPrepareOptions, prepareCityscapes } from './prepare/cityscapes.js';
export { CITYSCAPES_CLASSES, CITYSCAPES_LABELS } from './prepare/cityscapes_labels.js';
export { FASHION_MNIST_CLASSES, prepareFashionMnist } from './prepare/fashion_mnist.js';
export { type ImagenetPrepareOptions, prepareImagenet } from './prepare/imagenet.js';
export {
  DATASET_PREPARERS,
  type DatasetPreparer,
  listPreparableDatasets,
  prepareDataset,
} from './prepare/prepare_dataset.js';
export { PrepareError } from './prepare/prepare_error.js';
export type { PrepareOptions, PrepareResult } from './prepare/prepare_options.js';
export { type RandomResizedCropOptions, randomResizedCrop } from './random_resized_crop.js';
export type { Normalization, SampleInput, SampleOutput, SampleTransform } from './sample_transform.js';
export { type ScaleCropFlipOptions, scaleCropFlip } from './scale_crop_flip.js';
export {
  type DatasetMeta,
  IGNORE_INDEX,
  type ImageShape,
  type MaskShape,
  SCHEMA_VERSION,
  type ShardMeta,
  type SourceChecksum,
  type SplitMeta,
} from './schema.js';
export { SeededRandom } from './seeded_random.js';
export { ShardDataset } from './shard_dataset.js';
export { readShard, type ShardData } from './shard_reader.js';
export {
  type ShardRecord,
  ShardWriter,
  type ShardWriterOptions,
  type SplitResult,
} from './shard_writer.js';
export {
  renderSyntheticSample,
  SYNTHETIC_CLASSES,
  type SyntheticDatasetOptions,
  writeSyntheticDataset,
} from './synthetic.js';
export { createTransform, type TransformSpec } from './transform_spec.js';
export { type VerifyReport, verifyDataset } from './verify_dataset.js';
