// batch-shaping: conditional channel-gated networks trained with the batch-shaping loss
// (Bejnordi, Blankevoort, Welling, ICLR 2020, arXiv 1907.06627), on TensorFlow.js.
// The one library entry. initBackend is exported here but loads backends only when called.
export * as tf from '@tensorflow/tfjs-core';
export * from './analysis/index.js';
export * from './backend/index.js';
export * from './data/index.js';
export * from './gates/index.js';
export * from './inference/index.js';
export * from './layers/index.js';
export * from './losses/index.js';
// Both data (shard schema) and models name the task; they are the same union.
export type { Task } from './models/index.js';
export * from './models/index.js';
export * from './notebook/index.js';
export * from './ops/index.js';
// The gate recorder lives in train (it runs the model) but belongs to the analysis workflow.
export * from './train/gate_recorder.js';
export * from './train/index.js';
