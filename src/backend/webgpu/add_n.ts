// AddN for the 'webgpu' backend that fits the device's storage-buffer limit.
//
// Why: tfjs-backend-webgpu 4.22 sums all N inputs in one shader with one storage buffer per input (plus one for
// the output). A device allows `maxStorageBuffersPerShaderStage` of them (8 by default, 16 on lavapipe, more on
// some GPUs); past it the pipeline fails validation and Dawn drops the whole command buffer, so the kernels
// queued with it never run and their outputs keep stale values: wrong losses and gradients, not an exception.
// The gate-on sum of a gated ResNet-20 step adds 9 tensors; ResNet-56/110 have 27/54 gated blocks.
// How: the inputs are summed in groups of at most (limit - 1) by the stock kernel, then the partial sums the same
// way, until one tensor is left (a tree of depth ceil(log_(limit-1) N)); each partial sum is freed once used.
import * as tf from '@tensorflow/tfjs-core';

/** The part of the webgpu backend this kernel needs. */
interface WebGpuBackendLike {
  device: { limits: { maxStorageBuffersPerShaderStage: number } };
  disposeData(dataId: object): boolean;
}

/** Inputs per stock AddN call on a device with `storageBuffers` storage buffers per stage (one is the output). */
export function addNGroupSize(storageBuffers: number): number {
  if (!Number.isInteger(storageBuffers) || storageBuffers < 3) {
    throw new Error(
      `addNGroupSize: argument 'storageBuffers' must be an integer >= 3 (two inputs and the output); got ${storageBuffers}`,
    );
  }
  return storageBuffers - 1;
}

/** Our AddN config wrapping `stock` (tfjs-backend-webgpu's own AddN, which must not see more inputs than fit). */
export function makeAddNConfig(stock: tf.KernelConfig): tf.KernelConfig {
  const kernelFunc: tf.KernelFunc = (args) => {
    const backend = args.backend as unknown as WebGpuBackendLike;
    const group = addNGroupSize(backend.device.limits.maxStorageBuffersPerShaderStage);
    let level = args.inputs as unknown as tf.TensorInfo[];
    if (level.length <= group) return stock.kernelFunc(args);
    const ours = new Set<tf.TensorInfo>(); // partial sums: ours to free once summed; the caller's inputs are not
    while (level.length > 1) {
      const next: tf.TensorInfo[] = [];
      for (let i = 0; i < level.length; i += group) {
        const part = level.slice(i, i + group);
        if (part.length === 1) {
          next.push(part[0]!);
          continue;
        }
        const sum = stock.kernelFunc({
          ...args,
          inputs: part as unknown as tf.NamedTensorInfoMap,
        }) as tf.TensorInfo;
        for (const t of part) {
          if (ours.delete(t)) backend.disposeData(t.dataId);
        }
        ours.add(sum);
        next.push(sum);
      }
      level = next;
    }
    return level[0]!;
  };
  return { kernelName: tf.AddN, backendName: 'webgpu', kernelFunc };
}
