// Helpers shared by our wasm kernels: typed access to the wasm backend's internals (tensor table, heap) and
// calling the backend's own kernels from inside a kernel. Intermediates made this way are backend-level
// TensorInfos the engine does not track, so every helper that makes one pairs with `disposeInfo`.
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';

export type { BackendWasm };
export type TensorInfo = tf.TensorInfo;
export type Attrs = Record<string, unknown>;

/** The wasm backend's kernel calling convention. */
export interface WasmKernelArgs {
  inputs: Record<string, TensorInfo>;
  backend: BackendWasm;
  attrs?: Attrs;
}

/** Runs another kernel of the wasm backend (the one registered now, ours or stock) on backend-level data. */
export function runWasmKernel(
  name: string,
  backend: BackendWasm,
  inputs: Record<string, TensorInfo>,
  attrs: Attrs = {},
): TensorInfo {
  const config = tf.getKernel(name, 'wasm');
  if (config === undefined) throw new Error(`wasm backend has no '${name}' kernel`);
  const out = config.kernelFunc({ inputs, backend, attrs } as unknown as Parameters<tf.KernelFunc>[0]);
  if (Array.isArray(out)) throw new Error(`runWasmKernel: '${name}' returned several outputs`);
  return out as TensorInfo;
}

/** Releases an intermediate made inside a kernel (engine-level tensors are disposed by the engine instead). */
export function disposeInfo(backend: BackendWasm, info: TensorInfo): void {
  backend.disposeData(info.dataId);
}

/** A view of a tensor's bytes on the wasm heap. Re-take it after any allocation: the heap may grow and move. */
export function heapView(backend: BackendWasm, info: TensorInfo): Float32Array | Int32Array | Uint8Array {
  return backend.typedArrayFromHeap(info as Parameters<BackendWasm['typedArrayFromHeap']>[0]);
}

/** A tensor of the same data with another shape; no copy (the wasm Reshape kernel shares the buffer). */
export function reshapeInfo(backend: BackendWasm, x: TensorInfo, shape: number[]): TensorInfo {
  return runWasmKernel('Reshape', backend, { x }, { shape });
}

export function transposeInfo(backend: BackendWasm, x: TensorInfo, perm: number[]): TensorInfo {
  return runWasmKernel('Transpose', backend, { x }, { perm });
}

/** Size of the wasm heap in bytes (the WebAssembly memory; it only grows). */
export function wasmHeapBytes(backend: BackendWasm): number {
  return (backend.wasm as unknown as { HEAPU8: Uint8Array }).HEAPU8.byteLength;
}

/** Live tensors in the backend's own table, including intermediates the engine never saw. */
export function wasmLiveDataIds(backend: BackendWasm): number {
  return backend.numDataIds();
}

/** NHWC only: the NCHW layout would need transposes around every XNNPACK call; say so clearly. */
export function assertNHWC(kernel: string, dataFormat: unknown): void {
  if (dataFormat !== undefined && dataFormat !== 'NHWC' && dataFormat !== 'channelsLast') {
    throw new Error(
      `${kernel} (wasm, batch-shaping): attribute 'dataFormat' must be 'NHWC'; got ${JSON.stringify(dataFormat)}`,
    );
  }
}

/**
 * The config of one of our wasm kernels that falls back on the stock kernel it replaces: `run` gets the kernel's
 * arguments and the stock kernel function (the config is built at registration, when the stock one is known).
 */
export function withStockFallback(
  kernelName: string,
  stock: tf.KernelConfig | undefined,
  run: (args: WasmKernelArgs, stock: tf.KernelFunc) => TensorInfo,
): tf.KernelConfig {
  return {
    kernelName,
    backendName: 'wasm',
    kernelFunc: ((args: WasmKernelArgs) => {
      if (stock === undefined) throw new Error(`${kernelName} (wasm): the stock kernel is missing`);
      return run(args, stock.kernelFunc);
    }) as unknown as tf.KernelFunc,
  };
}
