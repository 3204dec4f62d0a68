// The model registry: every network is one row over a shared builder (as torchvision's resnet.py), created
// by name with typed options. listModels() drives the tests and benchmarks.
import { GATE_HIDDEN } from '../gates/channel_gate.js';
import { GATE_TAU } from '../gates/gate_functions.js';
import type { ShapeHWC } from '../layers/layer_cost.js';
import { checkModelOptions, MODEL_OPTION_DEFAULTS, type ModelOptions } from './model_options.js';
import type { GatedModel, ModelConfig, Task } from './model_types.js';
import { PSPNet } from './pspnet.js';
import { ResNet, type ResNetSpec } from './resnet.js';

export interface ModelInfo {
  name: ModelName;
  task: Task;
  /** The dataset resolution the model is meant for, [H, W, C]. */
  defaultInputShape: ShapeHWC;
  defaultNumClasses: number;
  /** The smallest input side the architecture handles (total stride, before the PSP/avg pool). */
  family: 'cifar' | 'imagenet' | 'pspnet';
}

interface Row {
  spec: ResNetSpec;
  family: ModelInfo['family'];
}

// biome-ignore format: one row per variant
const MODEL_TABLE = {
  resnet20:        { family: 'cifar',    spec: { stem: 'cifar',    block: 'basic',      layers: [3, 3, 3] } },
  resnet32:        { family: 'cifar',    spec: { stem: 'cifar',    block: 'basic',      layers: [5, 5, 5] } },
  resnet56:        { family: 'cifar',    spec: { stem: 'cifar',    block: 'basic',      layers: [9, 9, 9] } },
  resnet110:       { family: 'cifar',    spec: { stem: 'cifar',    block: 'basic',      layers: [18, 18, 18] } },
  resnet18:        { family: 'imagenet', spec: { stem: 'imagenet', block: 'basic',      layers: [2, 2, 2, 2] } },
  resnet34:        { family: 'imagenet', spec: { stem: 'imagenet', block: 'basic',      layers: [3, 4, 6, 3] } },
  resnet50:        { family: 'imagenet', spec: { stem: 'imagenet', block: 'bottleneck', layers: [3, 4, 6, 3] } },
  pspnet_resnet18: { family: 'pspnet',   spec: { stem: 'imagenet', block: 'basic',      layers: [2, 2, 2, 2] } },
  pspnet_resnet50: { family: 'pspnet',   spec: { stem: 'imagenet', block: 'bottleneck', layers: [3, 4, 6, 3] } },
} satisfies Record<string, Row>;

/** The name of a registered model: a key of the table. */
export type ModelName = keyof typeof MODEL_TABLE;

const FAMILY = {
  cifar: { task: 'classification', input: [32, 32, 3], classes: 10, outputStride: 4 },
  imagenet: { task: 'classification', input: [224, 224, 3], classes: 1000, outputStride: 32 },
  pspnet: { task: 'segmentation', input: [512, 1024, 3], classes: 19, outputStride: 8 },
} as const;

/** Names of every registered model, in table order. */
export function listModels(): ModelName[] {
  return Object.keys(MODEL_TABLE) as ModelName[];
}

export function isModelName(name: unknown): name is ModelName {
  return typeof name === 'string' && Object.hasOwn(MODEL_TABLE, name);
}

export function modelInfo(name: ModelName): ModelInfo {
  assertModelName('modelInfo', name);
  const { family } = MODEL_TABLE[name];
  const f = FAMILY[family];
  return {
    name,
    task: f.task,
    defaultInputShape: [...f.input] as ShapeHWC,
    defaultNumClasses: f.classes,
    family,
  };
}

/** Resolves options against the defaults and checks them; the result is the model's JSON config. */
export function resolveModelConfig(name: ModelName, options: ModelOptions = {}): ModelConfig {
  assertModelName('createModel', name);
  const o = checkModelOptions('createModel', options);
  const d = MODEL_OPTION_DEFAULTS;
  const { family } = MODEL_TABLE[name];
  const f = FAMILY[family];
  return {
    name,
    task: f.task,
    gating: o.gating ?? d.gating,
    widthMultiplier: o.widthMultiplier ?? d.widthMultiplier,
    numClasses: o.numClasses ?? f.classes,
    gateBiasInit: o.gateBiasInit ?? d.gateBiasInit,
    gateHidden: GATE_HIDDEN,
    gateTau: GATE_TAU,
    seed: o.seed ?? d.seed,
    shortcut: o.shortcut ?? d.shortcut,
    gatePosition: o.gatePosition ?? d.gatePosition,
    zeroInitResidual: o.zeroInitResidual ?? d.zeroInitResidual,
    bnMomentum: o.bnMomentum ?? d.bnMomentum,
    bnEpsilon: o.bnEpsilon ?? d.bnEpsilon,
    inputChannels: 3,
    outputStride: f.outputStride,
    dropout: o.dropout ?? (family === 'pspnet' ? 0.1 : 0),
  };
}

/** Builds a registered model. Its weights are tf.Variables: call `model.dispose()` when done. */
export function createModel(name: ModelName, options: ModelOptions = {}): GatedModel {
  const config = resolveModelConfig(name, options);
  const { spec, family } = MODEL_TABLE[name];
  return family === 'pspnet' ? new PSPNet(spec, config) : new ResNet(spec, config);
}

/**
 * The model's structure without tensors: layerCosts, countMacs, gateMacCosts, gateNames and parameterCount
 * work (instantly, without a backend); apply, namedWeights and namedBuffers do not.
 */
export function createModelSkeleton(name: ModelName, options: ModelOptions = {}): GatedModel {
  const config = resolveModelConfig(name, options);
  const { spec, family } = MODEL_TABLE[name];
  return family === 'pspnet' ? new PSPNet(spec, config, false) : new ResNet(spec, config, false);
}

/** Rebuilds a model from a saved `model.config` (e.g. from a checkpoint). */
export function createModelFromConfig(config: ModelConfig): GatedModel {
  assertModelName('createModelFromConfig', config?.name);
  const {
    name,
    task: _t,
    gateHidden: _h,
    gateTau: _tau,
    inputChannels: _c,
    outputStride: _o,
    ...options
  } = config;
  const model = createModel(name, options);
  const differs = (Object.keys(model.config) as (keyof ModelConfig)[]).filter(
    (k) => model.config[k] !== config[k],
  );
  if (differs.length > 0) {
    model.dispose();
    throw new Error(
      `createModelFromConfig: argument 'config' is not a config this version produces for '${name}' (differs in ${differs.join(', ')})`,
    );
  }
  return model;
}

function assertModelName(fn: string, name: unknown): asserts name is ModelName {
  if (!isModelName(name)) {
    throw new Error(
      `${fn}: argument 'name' must be one of ${listModels().join(', ')}; got ${JSON.stringify(name)}`,
    );
  }
}
