// SGD with momentum for the webgpu backend, as a kernel of our own ('BatchShapingSgdUpdate', registered for
// 'webgpu' only; src/train/optimizer.ts calls it where the active backend registers it). Inputs w, g, v, attrs lr,
// weightDecay, momentum, nesterov, outputs [w', v']: the arithmetic of the optimiser's tf-op form, operation by
// operation in the same order,
//   d = g + w * weightDecay (no term when weightDecay is 0),  v' = v * momentum + d,
//   w' = w - u * lr  with u = d + v' * momentum (Nesterov) or v',
// in two dispatches (v', then w' from v'), where the tf-op form takes six, each with its own buffers and bind
// group: a training step on webgpu is bound by dispatches, not arithmetic (ResNet-20 has ~60 parameters and
// ~100 gated). No stock counterpart. float32 only.
import type { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';
import * as tf from '@tensorflow/tfjs-core';
import { PerElementProgram, type ProgramUniforms } from './webgpu_kernel_utils.js';

/** Kernel name: inputs { w, g, v }, attrs { lr, weightDecay, momentum, nesterov }, outputs [w', v']. */
export const SGD_UPDATE = 'BatchShapingSgdUpdate'; // = SGD_UPDATE_KERNEL of src/train/optimizer.ts

const KERNEL = `${SGD_UPDATE} (webgpu, batch-shaping)`;

/** d = g + w * weightDecay, or g: the WGSL that defines `d` at `index`. */
function decayedGradient(decay: boolean): string {
  return decay
    ? 'let wd = w[index] * uniforms.weightDecay;\n      let d = g[index] + wd;'
    : 'let d = g[index];';
}

/**
 * One elementwise pass of the update: 'momentum' writes v' (inputs w if decaying, g, v), 'param' writes w' (inputs
 * w, v' as `next`, and g for Nesterov's d). Only the inputs the shader reads are bound.
 */
class SgdUpdateProgram extends PerElementProgram {
  variableNames: string[];
  shaderKey: string;
  uniforms = 'lr : f32, weightDecay : f32, momentum : f32,';

  constructor(
    private readonly pass: 'momentum' | 'param',
    private readonly decay: boolean,
    private readonly nesterov: boolean,
    shape: number[],
  ) {
    super(shape);
    this.variableNames =
      pass === 'momentum'
        ? decay
          ? ['w', 'g', 'v']
          : ['g', 'v']
        : nesterov
          ? ['w', 'g', 'next']
          : ['w', 'next'];
    this.shaderKey = `batchShapingSgdUpdate_${pass}_${decay ? 'decay' : 'nodecay'}_${nesterov ? 'nesterov' : 'plain'}`;
  }

  protected body(): string {
    if (this.pass === 'momentum') {
      return `${decayedGradient(this.decay)}
      let mv = v[index] * uniforms.momentum;
      setOutputAtIndex(index, mv + d);`;
    }
    if (this.nesterov) {
      return `${decayedGradient(this.decay)}
      let nm = next[index] * uniforms.momentum;
      let u = d + nm;
      let step = u * uniforms.lr;
      setOutputAtIndex(index, w[index] - step);`;
    }
    return `let step = next[index] * uniforms.lr;
      setOutputAtIndex(index, w[index] - step);`;
  }
}

interface SgdAttrs {
  lr: number;
  weightDecay: number;
  momentum: number;
  nesterov: boolean;
}

function checkInputs(inputs: tf.NamedTensorInfoMap): void {
  const { w, g, v } = inputs;
  for (const [name, t] of Object.entries({ w, g, v })) {
    if (t === undefined) throw new Error(`${KERNEL}: input '${name}' is missing`);
    if (t.dtype !== 'float32') throw new Error(`${KERNEL}: input '${name}' must be float32; got ${t.dtype}`);
  }
  for (const [name, t] of Object.entries({ g, v })) {
    if (!tf.util.arraysEqual(t!.shape, w!.shape)) {
      throw new Error(`${KERNEL}: input '${name}' must have w's shape [${w!.shape}]; got [${t!.shape}]`);
    }
  }
}

function checkAttrs(attrs: Partial<SgdAttrs>): SgdAttrs {
  for (const name of ['lr', 'weightDecay', 'momentum'] as const) {
    const value = attrs[name];
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw new Error(`${KERNEL}: attribute '${name}' must be a finite number; got ${JSON.stringify(value)}`);
    }
  }
  if (typeof attrs.nesterov !== 'boolean') {
    throw new Error(
      `${KERNEL}: attribute 'nesterov' must be a boolean; got ${JSON.stringify(attrs.nesterov)}`,
    );
  }
  return attrs as SgdAttrs;
}

function sgdUpdateWebgpu(args: {
  inputs: tf.NamedTensorInfoMap;
  backend: tf.KernelBackend;
  attrs: tf.NamedAttrMap;
}): tf.TensorInfo[] {
  const backend = args.backend as unknown as WebGPUBackend;
  checkInputs(args.inputs);
  const { lr, weightDecay, momentum, nesterov } = checkAttrs(args.attrs as Partial<SgdAttrs>);
  const { w, g, v } = args.inputs as Record<string, tf.TensorInfo>;
  const shape = w!.shape;
  if (tf.util.sizeFromShape(shape) === 0) {
    return [backend.makeTensorInfo(shape, 'float32', []), backend.makeTensorInfo(shape, 'float32', [])];
  }
  const decay = weightDecay > 0;
  const uniforms: ProgramUniforms = [
    { type: 'float32', data: [lr] },
    { type: 'float32', data: [weightDecay] },
    { type: 'float32', data: [momentum] },
  ];
  const momentumInputs = decay ? [w!, g!, v!] : [g!, v!];
  const next = backend.runWebGPUProgram(
    new SgdUpdateProgram('momentum', decay, nesterov, shape),
    momentumInputs,
    'float32',
    uniforms,
  );
  const paramInputs = nesterov ? [w!, g!, next] : [w!, next];
  try {
    const wNext = backend.runWebGPUProgram(
      new SgdUpdateProgram('param', decay, nesterov, shape),
      paramInputs,
      'float32',
      uniforms,
    );
    return [wNext, next];
  } catch (err) {
    backend.disposeData(next.dataId); // v' is nobody's yet: nothing leaks on an error
    throw err;
  }
}

export const sgdUpdateWebgpuConfig: tf.KernelConfig = {
  kernelName: SGD_UPDATE,
  backendName: 'webgpu',
  kernelFunc: sgdUpdateWebgpu as unknown as tf.KernelFunc,
};
