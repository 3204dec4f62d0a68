// Public surface of the layers module: parameterised building blocks (conv, dense, batch norm, pooling)
// and their static MAC descriptions, on tfjs only. Gates and models are built from them.
export { adaptiveAvgPoolBins, adaptivePoolMatrix } from './adaptive_avg_pool.js';
export { BatchNorm, type BatchNormOptions } from './batch_norm.js';
export { Conv2d, type Conv2dOptions } from './conv2d.js';
export { Dense, type DenseOptions } from './dense.js';
export { fusedBatchNorm, plainBatchNorm } from './fused_batch_norm.js';
export { convOutSize, type LayerCost, type ShapeHWC } from './layer_cost.js';
export { deriveSeed, type Initializer, ParamStore, Scope } from './param_store.js';
