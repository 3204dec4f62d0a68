// Public surface of the data module: the Arrow shard format, its writer, readers, transforms and datasets.
export {
  type AtomicWriteHooks,
  atomicWriteFile,
} from './atomic_write.js';
export {
  accumulateChannelSums,
  type ChannelSums,
  channelMeanStd,
  emptyChannelSums,
  mergeChannelSums,
} from './channel_stats.js';
export { readMeta, writeMeta } from './meta_file.js';
export {
  checkShardSchema,
  type DatasetMeta,
  IGNORE_INDEX,
  type ImageShape,
  layoutOf,
  type MaskShape,
  META_KEYS,
  MetaValidationError,
  parseShardFileName,
  SCHEMA_VERSION,
  type ShardLayout,
  type ShardMeta,
  type SourceChecksum,
  type SplitMeta,
  shardFileName,
  shardSchema,
  type Task,
  validateMeta,
} from './schema.js';
export {
  encodeShard,
  type ShardColumns,
  type ShardRecord,
  ShardWriter,
  type ShardWriterOptions,
  type SplitResult,
  splitMeta,
} from './shard_writer.js';
