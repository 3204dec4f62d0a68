// Public surface of the models module: the registry, the model types and classes, MAC counting, and
// checkpoints (safetensors files: save, load, apply, and the browser path from bytes).
export { BasicBlock, type ResidualBlock } from './blocks/basic_block.js';
export { Bottleneck } from './blocks/bottleneck.js';
export * from './checkpoint.js';
export { loadCheckpointBytes, modelFromCheckpointBytes } from './checkpoint_bytes.js';
export {
  countMacs,
  type DynamicMacCount,
  dynamicMacs,
  dynamicMacsAsync,
  type GateMacCost,
  type GateMaskInput,
  gateMacCosts,
  type MacCount,
} from './macs.js';
export type {
  ApplyOptions,
  GatedModel,
  GatePosition,
  GateRecord,
  Gating,
  ModelConfig,
  ModelName,
  ModelOptions,
  ModelOutput,
  Shortcut,
  Task,
} from './model_types.js';
export { PSP_BINS, PSPNet } from './pspnet.js';
export {
  createModel,
  createModelFromConfig,
  createModelSkeleton,
  isModelName,
  listModels,
  type ModelInfo,
  modelInfo,
  resolveModelConfig,
} from './registry.js';
export { ResNet, ResNetBackbone, type ResNetSpec } from './resnet.js';
export * from './safetensors.js';
