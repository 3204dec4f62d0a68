// Add / Sub / Multiply / RealDiv with broadcasting for the wasm backend. Same-shape operands run in XNNPACK
// at ~0.7 ns per element, but a broadcast operand (batch-norm's [C] against [N, H, W, C], a gate's
// [N, 1, 1, C]) takes tfjs-backend-wasm's generic index loop, ~4-8 ns per element.
// Not from a paper: the broadcast operand is first tiled to the output shape with our copy-doubling Tile
// (memcpy speed), then the stock kernel runs on same-shape operands. Other cases go to the stock kernel.
import * as tf from '@tensorflow/tfjs-core';
import { tileUsesCopyDoubling } from './tile.js';
import {
  disposeInfo,
  reshapeInfo,
  runWasmKernel,
  type TensorInfo,
  type WasmKernelArgs,
} from './wasm_kernel_utils.js';

/** Below this output size the extra kernel calls cost more than the broadcast loop. */
const MIN_OUTPUT_SIZE = 4096;

export const BROADCAST_BINARY_KERNELS = [tf.Add, tf.Sub, tf.Multiply, tf.RealDiv] as const;

/** How to bring `shape` to `outShape` by tiling: the rank-padded shape and the repetitions. */
function tilePlan(shape: number[], outShape: number[]): { padded: number[]; reps: number[] } {
  const padded = [...new Array<number>(outShape.length - shape.length).fill(1), ...shape];
  return { padded, reps: outShape.map((s, i) => s / padded[i]!) };
}

function sameShape(a: number[], b: number[]): boolean {
  return a.length === b.length && a.every((s, i) => s === b[i]);
}

export function broadcastBinaryWasm(args: WasmKernelArgs, stock: tf.KernelFunc): TensorInfo {
  const { backend } = args;
  const a = args.inputs.a!;
  const b = args.inputs.b!;
  const callStock = (x: TensorInfo, y: TensorInfo) =>
    stock({
      inputs: { a: x, b: y },
      backend,
      attrs: args.attrs ?? {},
    } as unknown as Parameters<tf.KernelFunc>[0]) as TensorInfo;
  if (sameShape(a.shape, b.shape) || a.dtype !== 'float32' || b.dtype !== 'float32') return callStock(a, b);
  const outShape = tf.broadcast_util.assertAndGetBroadcastShape(a.shape, b.shape);
  const outSize = outShape.reduce((p, s) => p * s, 1);
  const plans = [a, b].map((t) => (sameShape(t.shape, outShape) ? undefined : tilePlan(t.shape, outShape)));
  const tileable = plans.every((p) => p === undefined || tileUsesCopyDoubling(p.padded, p.reps, 'float32'));
  if (outSize < MIN_OUTPUT_SIZE || !tileable) return callStock(a, b);
  const full = [a, b].map((t, i) => {
    const plan = plans[i];
    if (plan === undefined) return t;
    const padded = reshapeInfo(backend, t, plan.padded); // e.g. [C] -> [1, 1, 1, C]
    const tiled = runWasmKernel('Tile', backend, { x: padded }, { reps: plan.reps }); // [N, H, W, C]
    disposeInfo(backend, padded);
    return tiled;
  });
  const out = callStock(full[0]!, full[1]!);
  if (full[0] !== a) disposeInfo(backend, full[0]!);
  if (full[1] !== b) disposeInfo(backend, full[1]!);
  return out;
}

export function makeBroadcastBinaryConfig(
  kernelName: (typeof BROADCAST_BINARY_KERNELS)[number],
): (stock: tf.KernelConfig | undefined) => tf.KernelConfig {
  return (stock) => ({
    kernelName,
    backendName: 'wasm',
    kernelFunc: ((args: WasmKernelArgs) => {
      if (stock === undefined) throw new Error(`${kernelName} (wasm): the stock kernel is missing`);
      return broadcastBinaryWasm(args, stock.kernelFunc);
    }) as unknown as tf.KernelFunc,
  });
}
