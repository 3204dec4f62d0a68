// UnsortedSegmentSum for the wasm backend, which has none; tfjs' gather gradient is built on it, so without
// it tf.gather (used by our sort-by-topk for the batch-shaping loss) has no gradient on wasm.
// Not from a paper: out[segmentIds[i], ...] += x[i, ...], one pass over x on the wasm heap; ids outside
// [0, numSegments) are dropped, as in TensorFlow.
import * as tf from '@tensorflow/tfjs-core';
import { heapView, type TensorInfo, type WasmKernelArgs } from './wasm_kernel_utils.js';

function unsortedSegmentSumWasm(args: WasmKernelArgs): TensorInfo {
  const { backend } = args;
  const x = args.inputs.x!;
  const segmentIds = args.inputs.segmentIds!;
  const numSegments = (args.attrs as { numSegments: number }).numSegments;
  const idsRank = segmentIds.shape.length;
  if (segmentIds.shape.some((s, i) => s !== x.shape[i])) {
    throw new Error(
      `UnsortedSegmentSum (wasm): segmentIds shape [${segmentIds.shape}] must be a prefix of x shape [${x.shape}]`,
    );
  }
  if (x.dtype !== 'float32' && x.dtype !== 'int32') {
    throw new Error(`UnsortedSegmentSum (wasm): x must be float32 or int32; got ${x.dtype}`);
  }
  const innerShape = x.shape.slice(idsRank);
  const inner = innerShape.reduce((a, b) => a * b, 1);
  const out = backend.makeOutput([numSegments, ...innerShape], x.dtype); // [numSegments, ...x.shape[r:]]
  const dst = heapView(backend, out); // after the allocation: the heap may have moved
  dst.fill(0);
  const src = heapView(backend, x);
  const ids = heapView(backend, segmentIds);
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i]!;
    if (id < 0 || id >= numSegments) continue;
    const s = i * inner;
    const o = id * inner;
    for (let j = 0; j < inner; j++) dst[o + j]! += src[s + j]!;
  }
  return out;
}

export const unsortedSegmentSumConfig: tf.KernelConfig = {
  kernelName: tf.UnsortedSegmentSum,
  backendName: 'wasm',
  kernelFunc: unsortedSegmentSumWasm as unknown as tf.KernelFunc,
};
