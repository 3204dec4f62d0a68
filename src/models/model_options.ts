// The options every registered model takes (createModel, TrainConfig's `model` section): one zod schema
// for their types and checks, and the defaults resolveModelConfig fills in. Errors name the option and say
// what it must be; a config's section reuses the same shape, so both read the same.
import { z } from 'zod';
import { DEFAULT_GATE_BIAS_INIT } from '../gates/channel_gate.js';
import { fieldProblems, integerIn, numberWhere, oneOf, strictObject } from '../io/schema_issues.js';

/** The options, each optional; see MODEL_OPTION_DEFAULTS for what an absent one means. */
export const modelOptionsShape = {
  /** 'channel' (default): a ChannelGate per residual block; 'none': the dense baseline. */
  gating: oneOf(['channel', 'none'], "'channel' or 'none'").optional(),
  /** Scales every channel count (stem, stages, PSP head); gate hidden width stays 16. Default 1. */
  widthMultiplier: numberWhere('a number > 0', (v) => v > 0).optional(),
  /** Default: 10 (CIFAR), 1000 (ImageNet), 19 (Cityscapes). */
  numClasses: integerIn(1).optional(),
  /** Initial gate bias (see DEFAULT_GATE_BIAS_INIT, 3: gates start ~95% open). */
  gateBiasInit: numberWhere('a finite number').optional(),
  /** Seed of weight init (per parameter name) and of the gate/dropout noise. Default 0. */
  seed: integerIn(0, 0xffffffff).optional(),
  /** CIFAR models only. Default 'A'. */
  shortcut: oneOf(['A', 'B'], "'A' or 'B'").optional(),
  /** Bottleneck models only. Default 'conv1'. */
  gatePosition: oneOf(['conv1', 'conv2'], "'conv1' or 'conv2'").optional(),
  /** Zero-init the last BN gamma of each block (Goyal et al. 2017); default false, as torchvision. */
  zeroInitResidual: z.boolean({ error: 'true or false' }).optional(),
  /** BatchNorm momentum (PyTorch convention: weight of the new batch), default 0.1. */
  bnMomentum: numberWhere('a number in [0, 1]', (v) => v >= 0 && v <= 1).optional(),
  /** BatchNorm epsilon, default 1e-5. */
  bnEpsilon: numberWhere('a number > 0', (v) => v > 0).optional(),
  /** Dropout before the classifier: default 0.1 for PSPNet, 0 for the classifiers. */
  dropout: numberWhere('a number in [0, 1)', (v) => v >= 0 && v < 1).optional(),
};

const modelOptionsSchema = strictObject(modelOptionsShape);

/** Options of createModel (every field optional). */
export type ModelOptions = z.input<typeof modelOptionsSchema>;

/** Every key of ModelOptions, from the schema. */
export const MODEL_OPTION_KEYS = Object.keys(modelOptionsShape) as (keyof ModelOptions)[];

/** What an absent option means (numClasses and dropout depend on the model family: see the registry). */
export const MODEL_OPTION_DEFAULTS = {
  gating: 'channel',
  widthMultiplier: 1,
  gateBiasInit: DEFAULT_GATE_BIAS_INIT,
  seed: 0,
  shortcut: 'A',
  gatePosition: 'conv1',
  zeroInitResidual: false,
  bnMomentum: 0.1,
  bnEpsilon: 1e-5,
} as const satisfies Required<Omit<ModelOptions, 'numClasses' | 'dropout'>>;

/** Checks `options` and returns them typed; errors read `fn: option 'x' must be ...; got ...`. */
export function checkModelOptions(fn: string, options: unknown): ModelOptions {
  const parsed = modelOptionsSchema.safeParse(options);
  if (parsed.success) return parsed.data;
  const [p] = fieldProblems(parsed.error, options);
  if (p === undefined || p.field === '')
    throw new Error(`${fn}: argument 'options' must be an object of model options`);
  if (p.kind === 'unknown') throw new Error(`${fn}: unknown option '${p.field}' (${p.expected})`);
  throw new Error(`${fn}: option '${p.field}' must be ${p.expected}; got ${JSON.stringify(p.got)}`);
}
