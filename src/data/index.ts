// Public surface of the data module: the Arrow shard format, its writer, readers, transforms and datasets.
export { type AtomicWriteHooks, atomicWriteFile } from '../io/atomic_write.js';
export { type Batch, BatchLoader, type LoaderOptions } from './batch_loader.js';
export { type BatchTensors, batchToTensors } from './batch_tensors.js';
export {
  accumulateChannelSums,
  type ChannelSums,
  channelMeanStd,
  emptyChannelSums,
  mergeChannelSums,
} from './channel_stats.js';
export { blockPermutation, type EpochPlan, type PlanBlock, planEpoch, sampleSeed } from './epoch_plan.js';
export { type EvalTransformOptions, evalTransform } from './eval_transform.js';
export { readMeta, writeMeta } from './meta_file.js';
export { MetaValidationError, validateMeta } from './meta_schema.js';
export { type PadCropFlipOptions, padCropFlip } from './pad_crop_flip.js';
export { prefetch } from './prefetch.js';
export * from './prepare/index.js';
export {
  type RandomResizedCropOptions,
  randomResizedCrop,
  sampleResizedCropRegion,
} from './random_resized_crop.js';
export { type Region, resampleImage, resampleMask, resampleSample } from './resample_region.js';
export {
  type Normalization,
  normalizationCoefficients,
  type SampleInput,
  type SampleOutput,
  type SampleTransform,
} from './sample_transform.js';
export { type ScaleCropFlipOptions, scaleCropFlip } from './scale_crop_flip.js';
export {
  checkShardSchema,
  type DatasetMeta,
  IGNORE_INDEX,
  type ImageShape,
  layoutOf,
  type MaskShape,
  META_KEYS,
  parseShardFileName,
  SCHEMA_VERSION,
  type ShardLayout,
  type ShardMeta,
  type SourceChecksum,
  type SplitMeta,
  shardFileName,
  shardSchema,
  type Task,
} from './schema.js';
export { mixSeed, SeededRandom } from './seeded_random.js';
export { ShardDataset } from './shard_dataset.js';
export { readShard, type ShardData, shardDataFromTable } from './shard_reader.js';
export {
  encodeShard,
  type ShardColumns,
  type ShardRecord,
  ShardWriter,
  type ShardWriterOptions,
  type SplitResult,
  splitMeta,
} from './shard_writer.js';
export {
  difficultyParams,
  renderSyntheticSample,
  SYNTHETIC_CLASSES,
  type SyntheticDatasetOptions,
  writeSyntheticDataset,
} from './synthetic.js';
export { createTransform, type TransformSpec } from './transform_spec.js';
