// Small helpers shared by this folder's webgpu kernels: input checks, the uniform list type, the program shape of
// one thread per output element.
import type { WebGPUProgram } from '@tensorflow/tfjs-backend-webgpu';
import type * as tf from '@tensorflow/tfjs-core';

/** Program-defined uniforms as WebGPUBackend.runWebGPUProgram takes them (in the order of `program.uniforms`). */
export type ProgramUniforms = { type: 'int32' | 'uint32' | 'float32'; data: number[] }[];

/** Throws unless every input is float32 and the data format is NHWC (what these kernels implement). */
export function assertFloat32NHWC(
  kernel: string,
  inputs: Record<string, tf.TensorInfo>,
  dataFormat: unknown,
): void {
  if (dataFormat !== undefined && dataFormat !== 'NHWC' && dataFormat !== 'channelsLast') {
    throw new Error(`${kernel}: attribute 'dataFormat' must be 'NHWC'; got ${JSON.stringify(dataFormat)}`);
  }
  for (const [name, t] of Object.entries(inputs)) {
    if (t.dtype !== 'float32') {
      throw new Error(`${kernel}: input '${name}' must be float32; got ${t.dtype}`);
    }
    if (t.shape.length !== 4) {
      throw new Error(`${kernel}: input '${name}' must be rank 4 (NHWC / HWIO); got shape [${t.shape}]`);
    }
  }
}

/**
 * A program with one thread per element of its output (workgroups of 64 over the flat index): a subclass names
 * its inputs (`variableNames`), its `shaderKey` and custom `uniforms`, and gives `body()`, the WGSL run for each
 * `index` below `uniforms.size` (it reads the inputs by name and calls setOutputAtIndex), and optionally
 * `helpers()`, WGSL functions the body calls.
 */
export abstract class PerElementProgram implements WebGPUProgram {
  abstract variableNames: string[];
  abstract shaderKey: string;
  outputShape: number[];
  dispatchLayout: { x: number[] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number] = [64, 1, 1];
  size = true;

  constructor(shape: number[]) {
    this.outputShape = shape;
    this.dispatchLayout = { x: shape.map((_, i) => i) };
    const elements = shape.reduce((a, b) => a * b, 1);
    this.dispatch = [Math.ceil(elements / this.workgroupSize[0]), 1, 1];
  }

  protected abstract body(): string;

  protected helpers(): string {
    return '';
  }

  getUserCode(): string {
    return `
  ${this.helpers()}
  fn main(index : i32) {
    if (index < uniforms.size) {
      ${this.body()}
    }
  }
`;
  }
}
