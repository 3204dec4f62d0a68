// Public surface of the models module.
export {};
export * from './safetensors.js';
export * from './checkpoint.js';
