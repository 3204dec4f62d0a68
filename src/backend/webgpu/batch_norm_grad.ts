// Fused training-mode batch-norm backward for the webgpu backend, as a kernel of our own ('BatchShapingBatchNormGrad',
// registered for 'webgpu' only). Batch normalisation (Ioffe & Szegedy 2015) over every axis but the last, with the
// closed-form gradient the library's fusedBatchNorm uses (src/layers/fused_batch_norm.ts):
//   xhat = (x - mean) * rstd,  dbeta = sum(dy),  dgamma = sum(dy * xhat)   (sums over the M = N*H*W rows)
//   dx = gamma * rstd * (dy - dbeta / M - xhat * dgamma / M)
// in four dispatches: (1) per-channel partial sums of dy and dy * xhat over slices of the rows, a workgroup being
// [channels x row lanes] reduced through workgroup memory; (2, 3) the slices summed into dbeta and dgamma
// (split_k_sum.ts); (4) dx, one thread per element. tf-op composition (the library's custom gradient) takes about
// a dozen passes over the activations on webgpu, each a dispatch with its own buffers.
//
// No stock counterpart: tfjs has no batch-norm gradient kernel. Inputs dy, x [.., C] and mean, rstd, gamma [C]
// (rstd = 1 / sqrt(variance + eps), as fusedBatchNorm saves it); outputs [dx, dgamma, dbeta]. float32 only.
// The library calls it only where one is registered for the active backend (see CHANGELOG / fusedBatchNorm).
import type { WebGPUBackend, WebGPUProgram } from '@tensorflow/tfjs-backend-webgpu';
import * as tf from '@tensorflow/tfjs-core';
import { SplitKSumProgram } from './split_k_sum.js';
import { PerElementProgram, type ProgramUniforms } from './webgpu_kernel_utils.js';

/** Kernel name: inputs { dy, x, mean, rstd, gamma }, no attributes, outputs [dx, dgamma, dbeta]. */
export const BATCH_NORM_GRAD = 'BatchShapingBatchNormGrad'; // = BATCH_NORM_GRAD_KERNEL of src/layers/fused_batch_norm.ts

const KERNEL = `${BATCH_NORM_GRAD} (webgpu, batch-shaping)`;
const THREADS = 256;
/** Workgroups to aim for across channel groups and row slices. */
const TARGET_WORKGROUPS = 512;
/** Fewest rows a lane should sum, so the partial sums stay few. */
const MIN_ROWS_PER_LANE = 16;

/** Workgroup shape of pass 1: channels across x (consecutive threads read consecutive words), row lanes across y. */
function reduceLayout(channels: number): { width: number; lanes: number; groups: number } {
  const width = Math.min(64, Math.max(16, 2 ** Math.ceil(Math.log2(channels))));
  return { width, lanes: THREADS / width, groups: Math.ceil(channels / width) };
}

/** Pass 1: partial[s, c] = sum of dy, partial[s, C + c] = sum of dy * xhat over row slice s. */
class BatchNormGradReduceProgram implements WebGPUProgram {
  variableNames = ['dy', 'x', 'mean', 'rstd'];
  outputShape: number[];
  shaderKey: string;
  /** Marks the dispatch as 2-D (channel groups, row slices); the shader indexes by workgroup id itself. */
  dispatchLayout = { x: [0], y: [1] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number];
  uniforms = 'rows : i32, rowsPerSplit : i32,';
  private readonly width: number;
  private readonly lanes: number;

  constructor(channels: number, splits: number) {
    const { width, lanes, groups } = reduceLayout(channels);
    this.width = width;
    this.lanes = lanes;
    this.workgroupSize = [width, lanes, 1];
    this.outputShape = [splits, 2 * channels];
    this.dispatch = [groups, splits, 1];
    this.shaderKey = `batchShapingBatchNormGradReduce_${this.width}`;
  }

  getUserCode(): string {
    const [w, lanes] = [this.width, this.lanes];
    return `
  var<workgroup> sumDy : array<f32, ${THREADS}>;
  var<workgroup> sumDyXhat : array<f32, ${THREADS}>;

  fn main() {
    let lx = i32(localId.x);
    let ly = i32(localId.y);
    let channels = uniforms.meanShape;
    let c = i32(workgroupId.x) * ${w} + lx;
    let split = i32(workgroupId.y);
    let r0 = split * uniforms.rowsPerSplit;
    let r1 = min(uniforms.rows, r0 + uniforms.rowsPerSplit);
    var a = 0.0;
    var b = 0.0;
    if (c < channels) {
      let m = mean[c];
      let rs = rstd[c];
      for (var r = r0 + ly; r < r1; r = r + ${lanes}) {
        let i = r * channels + c;
        let g = dy[i];
        a = a + g;
        b = b + g * (x[i] - m) * rs;
      }
    }
    sumDy[ly * ${w} + lx] = a;
    sumDyXhat[ly * ${w} + lx] = b;
    workgroupBarrier();
    if (ly == 0 && c < channels) {
      var sa = 0.0;
      var sb = 0.0;
      for (var l = 0; l < ${lanes}; l = l + 1) {
        sa = sa + sumDy[l * ${w} + lx];
        sb = sb + sumDyXhat[l * ${w} + lx];
      }
      result[split * 2 * channels + c] = sa;
      result[split * 2 * channels + channels + c] = sb;
    }
  }
`;
  }
}

/** Pass 4: dx = gamma * rstd * (dy - dbeta / M - xhat * dgamma / M), one thread per element. */
class BatchNormGradInputProgram extends PerElementProgram {
  variableNames = ['dy', 'x', 'mean', 'rstd', 'gamma', 'dgamma', 'dbeta'];
  shaderKey = 'batchShapingBatchNormGradInput';
  uniforms = 'invCount : f32,';

  protected body(): string {
    return `let c = index % uniforms.meanShape;
      let rs = rstd[c];
      let xhat = (x[index] - mean[c]) * rs;
      let g = dy[index] - dbeta[c] * uniforms.invCount - xhat * dgamma[c] * uniforms.invCount;
      setOutputAtIndex(index, gamma[c] * rs * g);`;
  }
}

interface KernelArgs {
  inputs: tf.NamedTensorInfoMap;
  backend: tf.KernelBackend;
}

function checkInputs(inputs: tf.NamedTensorInfoMap): number {
  const { dy, x, mean, rstd, gamma } = inputs;
  for (const [name, t] of Object.entries({ dy, x, mean, rstd, gamma })) {
    if (t === undefined) throw new Error(`${KERNEL}: input '${name}' is missing`);
    if (t.dtype !== 'float32') throw new Error(`${KERNEL}: input '${name}' must be float32; got ${t.dtype}`);
  }
  const shape = x!.shape;
  const channels = shape[shape.length - 1] ?? 0;
  if (shape.length < 2 || channels === 0) {
    throw new Error(`${KERNEL}: input 'x' must have rank >= 2 with channels last; got shape [${shape}]`);
  }
  if (!tf.util.arraysEqual(dy!.shape, shape)) {
    throw new Error(`${KERNEL}: input 'dy' must have x's shape [${shape}]; got [${dy!.shape}]`);
  }
  for (const [name, t] of Object.entries({ mean, rstd, gamma })) {
    if (t!.shape.length !== 1 || t!.shape[0] !== channels) {
      throw new Error(
        `${KERNEL}: input '${name}' must have shape [${channels}] (x's channels); got [${t!.shape}]`,
      );
    }
  }
  return channels;
}

function batchNormGradWebgpu(args: KernelArgs): tf.TensorInfo[] {
  const backend = args.backend as unknown as WebGPUBackend;
  const channels = checkInputs(args.inputs);
  const { dy, x, mean, rstd, gamma } = args.inputs as Record<string, tf.TensorInfo>;
  const rows = tf.util.sizeFromShape(x!.shape) / channels;
  const { lanes, groups } = reduceLayout(channels);
  const maxSplits = Math.max(1, Math.floor(rows / (lanes * MIN_ROWS_PER_LANE)));
  const wanted = Math.max(1, Math.min(maxSplits, Math.ceil(TARGET_WORKGROUPS / groups), 65535));
  const rowsPerSplit = Math.ceil(rows / wanted);
  const splits = Math.ceil(rows / rowsPerSplit);
  const reduce = new BatchNormGradReduceProgram(channels, splits);
  const partialUniforms: ProgramUniforms = [
    { type: 'int32', data: [rows] },
    { type: 'int32', data: [rowsPerSplit] },
  ];
  const partial = backend.runWebGPUProgram(reduce, [dy!, x!, mean!, rstd!], 'float32', partialUniforms);
  const sum = (offset: number) =>
    backend.runWebGPUProgram(new SplitKSumProgram([channels]), [partial], 'float32', [
      { type: 'int32', data: [offset] },
    ]);
  const dbeta = sum(0);
  const dgamma = sum(channels);
  backend.disposeData(partial.dataId);
  const dx = backend.runWebGPUProgram(
    new BatchNormGradInputProgram(x!.shape),
    [dy!, x!, mean!, rstd!, gamma!, dgamma, dbeta],
    'float32',
    [{ type: 'float32', data: [1 / rows] }],
  );
  return [dx, dgamma, dbeta];
}

export const batchNormGradWebgpuConfig: tf.KernelConfig = {
  kernelName: BATCH_NORM_GRAD,
  backendName: 'webgpu',
  kernelFunc: batchNormGradWebgpu as unknown as tf.KernelFunc,
};
