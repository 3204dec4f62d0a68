// Small helpers shared by this folder's webgpu kernels: input checks, the uniform list type.
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
