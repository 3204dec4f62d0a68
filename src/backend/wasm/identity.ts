// Identity for the wasm backend without a copy. The stock kernel copies the whole buffer; tfjs calls Identity
// hundreds of times per training step (gradient pass-through, clones, casts to the same dtype). Tensors are
// immutable, so the output can share the input's buffer, reference-counted, as the cpu backend does.
import * as tf from '@tensorflow/tfjs-core';
import type { TensorInfo, WasmKernelArgs } from './wasm_kernel_utils.js';

function identityWasm(args: WasmKernelArgs): TensorInfo {
  const x = args.inputs.x!;
  args.backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

export const identityConfig: tf.KernelConfig = {
  kernelName: tf.Identity,
  backendName: 'wasm',
  kernelFunc: identityWasm as unknown as tf.KernelFunc,
};
