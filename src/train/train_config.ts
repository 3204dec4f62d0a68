// TrainConfig: everything a training run depends on, as one typed, JSON-serialisable object. A run saves
// its resolved config (config.json and inside every checkpoint), so `--resume` and `eval` rebuild exactly
// the same model, data pipeline, optimiser and schedules. Presets (presets.ts) are complete configs; the CLI
// changes single fields with `--set path=value` (setConfigValue). The zod schema below is the one source of
// the config's types and checks: validateTrainConfig parses with it and names the field at fault.
import { z } from 'zod';
import type { BackendChoice } from '../backend/backend_names.js';
import type { TransformSpec } from '../data/transform_spec.js';
import {
  fieldProblems,
  integerIn,
  numberIn,
  numberWhere,
  oneOf,
  problemSentence,
  strictObject,
} from '../io/schema_issues.js';
import { GATE_LOSS_REDUCTIONS } from '../losses/gate_loss_reduction.js';
import { checkLossScheduleOrder, lossScheduleShape } from '../losses/loss_schedule.js';
import { MODEL_OPTION_KEYS, modelOptionsShape } from '../models/model_options.js';
import { listModels, type ModelName } from '../models/registry.js';
import { OPTIMIZER_KINDS, type OptimizerKind } from './optimizer.js';
import { paramGroupsSchema } from './param_groups.js';

/** Where the data comes from; 'synthetic' writes the procedural shapes set on first use. */
const DATASET_NAMES = ['fashion-mnist', 'cifar10', 'imagenet', 'cityscapes', 'synthetic'] as const;
export type DatasetName = (typeof DATASET_NAMES)[number];

const LR_SCHEDULES = ['step', 'cosine', 'poly', 'constant'] as const;
export type LrScheduleKind = (typeof LR_SCHEDULES)[number];

// The backend module is loaded only by the CLI, notebooks and tests (docs/architecture.md, module rules); the
// names are repeated here (the `satisfies` keeps them in step at compile time).
const BACKEND_CHOICES = [
  'auto',
  'tensorflow-gpu',
  'tensorflow',
  'webgpu',
  'wasm',
  'cpu',
] as const satisfies readonly BackendChoice[];

const TRANSFORM_KINDS: readonly string[] = ['padCropFlip', 'randomResizedCrop', 'scaleCropFlip', 'eval'];
const nonEmpty = z.string({ error: 'a non-empty string' }).min(1, { error: 'a non-empty string' });
const transform = z.custom<TransformSpec>(
  (v) =>
    typeof v === 'object' && v !== null && TRANSFORM_KINDS.includes((v as { kind?: unknown }).kind as string),
  { error: `an object with kind ${TRANSFORM_KINDS.join(' | ')}` },
);
const count = integerIn(1);
const belowOne = numberWhere('a number in [0, 1)', (v) => v >= 0 && v < 1);

const dataSchema = strictObject({
  dataset: oneOf(DATASET_NAMES, `one of ${DATASET_NAMES.join(', ')}`),
  /** Prepared dataset folder (meta.json + shards). */
  dir: nonEmpty,
  trainSplit: nonEmpty,
  evalSplit: nonEmpty,
  batchSize: count,
  evalBatchSize: count,
  trainTransform: transform,
  evalTransform: transform,
  /**
   * Cap on optimisation steps per epoch (null: the whole split). The loader's shuffle differs every epoch,
   * so a capped epoch is a fresh random subset each time: the short CPU presets see more distinct images
   * than a fixed subset would give.
   */
  maxStepsPerEpoch: count.nullable(),
  /** Cap on evaluated samples (null: the whole eval split, in file order). */
  maxEvalSamples: count.nullable(),
  /** Loader worker threads (0: in the main thread, asynchronously ahead of the step). */
  workers: integerIn(0, 64),
  /** Synthetic dataset only: task, image side and sample counts written on first use. */
  syntheticTask: oneOf(['classification', 'segmentation'], "'classification' or 'segmentation'"),
  syntheticSize: integerIn(8, 4096),
  syntheticTrain: count,
  syntheticTest: count,
});

/** The optimiser (optimizer.ts: sgd, adam or adamw, with groups by parameter role) and its peak lr. */
const optimSchema = strictObject({
  kind: oneOf(
    OPTIMIZER_KINDS as readonly OptimizerKind[] as [OptimizerKind, ...OptimizerKind[]],
    OPTIMIZER_KINDS.join(' | '),
  ),
  /** Peak learning rate (after warm-up); each group's lr is this x its lrScale. */
  lr: numberIn(0),
  momentum: belowOne,
  nesterov: z.boolean({ error: 'true or false' }),
  beta1: belowOne,
  beta2: belowOne,
  eps: numberWhere(`a number > 0`, (v) => v > 0),
  weightDecay: numberIn(0),
  groups: paramGroupsSchema,
}).superRefine((o, ctx) => {
  if (o.nesterov && o.momentum === 0) {
    ctx.addIssue({
      code: 'custom',
      path: ['nesterov'],
      message: 'false when momentum is 0',
      input: o.nesterov,
    });
  }
});

const lrSchema = strictObject({
  schedule: oneOf(LR_SCHEDULES, LR_SCHEDULES.join(' | ')),
  /** 'step': fractions of training at which lr is multiplied by `stepFactor` (CIFAR: [0.6, 0.75, 0.9]). */
  milestones: z.array(numberIn(0, 1), { error: 'an array of fractions of training' }),
  stepFactor: numberIn(0, 1),
  /** 'poly': lr * (1 - progress)^power (PSPNet uses 0.9). */
  polyPower: numberIn(0),
  /** Linear warm-up length in epochs (fractional allowed), from `warmupStartFactor * lr` to lr. */
  warmupEpochs: numberIn(0),
  warmupStartFactor: numberIn(0, 1),
}).superRefine((l, ctx) => {
  l.milestones.forEach((m, i) => {
    const before = l.milestones[i - 1];
    if (before !== undefined && m <= before) {
      ctx.addIssue({ code: 'custom', path: ['milestones', i], message: 'increasing', input: m });
    }
  });
});

const lossSchema = strictObject({
  ...lossScheduleShape,
  /** Weight the L0 loss of each gate by the MACs its channel costs (gateMacCosts); false: every gate equal. */
  l0MacWeighted: z.boolean({ error: 'true or false' }),
  /** How the batch-shaping loss combines its per-gate terms (batch_shaping_loss.ts): 'sum' or 'mean'. */
  basReduction: oneOf(GATE_LOSS_REDUCTIONS as unknown as ['sum', 'mean'], "'sum' or 'mean'"),
  /** How the L0 loss combines its per-gate terms (l0_gate_loss.ts): 'sum' or 'mean'. */
  l0Reduction: oneOf(GATE_LOSS_REDUCTIONS as unknown as ['sum', 'mean'], "'sum' or 'mean'"),
}).superRefine(checkLossScheduleOrder);

const MODEL_NAMES = listModels() as [ModelName, ...ModelName[]];
const modelSchema = strictObject(
  { name: oneOf(MODEL_NAMES, `one of ${MODEL_NAMES.join(', ')}`), ...modelOptionsShape },
  'an object {name, ...model options}',
);

/** The schema of a complete TrainConfig (presets and config.json files are complete). */
export const trainConfigSchema = strictObject(
  {
    /** Preset (or user) name of this configuration. */
    name: nonEmpty,
    description: z.string({ error: 'a string' }),
    /** Seed of the weights (unless model.seed is set), the gate noise and the data order. */
    seed: integerIn(0, 0xffffffff),
    backend: oneOf(BACKEND_CHOICES, 'auto, tensorflow-gpu, tensorflow, webgpu, wasm or cpu'),
    model: modelSchema,
    data: dataSchema,
    epochs: count,
    optim: optimSchema,
    lr: lrSchema,
    loss: lossSchema,
    /** Evaluate every n epochs (and always after the last); 0: only at the end. */
    evalEveryEpochs: integerIn(0),
    /** Log a metrics row every n steps (the step Arrow table holds every step regardless). */
    logEverySteps: count,
  },
  'a JSON object',
);

export type TrainConfig = z.output<typeof trainConfigSchema>;
export type DataConfig = TrainConfig['data'];
export type OptimConfig = TrainConfig['optim'];
export type LrConfig = TrainConfig['lr'];
export type LossConfig = TrainConfig['loss'];

/** Thrown for a bad config or override; `field` is the dotted path at fault. */
export class ConfigError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = 'ConfigError';
  }
}

const isObj = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Checks every field of a config (types, ranges, unknown or missing fields) and returns it typed.
 * Throws ConfigError naming the first field at fault.
 */
export function validateTrainConfig(value: unknown): TrainConfig {
  const parsed = trainConfigSchema.safeParse(value);
  if (parsed.success) return parsed.data;
  const [p] = fieldProblems(parsed.error, value);
  if (p === undefined || p.field === '') {
    throw new ConfigError(
      '(config)',
      `train config: field '(config)' must be a JSON object; got ${JSON.stringify(value)}`,
    );
  }
  throw new ConfigError(p.field, `train config: ${problemSentence(p)}`);
}

/** A deep copy (configs are plain JSON). */
export function cloneConfig<T>(config: T): T {
  return JSON.parse(JSON.stringify(config)) as T;
}

/** Parses an override value: JSON when it parses (numbers, booleans, null, arrays, objects), else a string. */
function parseOverrideValue(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/**
 * Returns a copy of `config` with the field at dotted `path` (e.g. 'optim.lr', 'model.widthMultiplier')
 * set to `value`. The path must name an existing field, except optional model options, which may be added.
 * The caller validates the result (validateTrainConfig) once all overrides are applied.
 */
export function setConfigValue(config: TrainConfig, path: string, value: unknown): TrainConfig {
  const out = cloneConfig(config) as unknown as Record<string, unknown>;
  const parts = path.split('.');
  const key = parts.pop();
  if (key === undefined || key === '' || parts.some((p) => p === '')) {
    throw new ConfigError(path, `config override: '${path}' is not a field path (e.g. optim.lr)`);
  }
  let node: Record<string, unknown> = out;
  for (const [i, part] of parts.entries()) {
    const next = node[part];
    if (!isObj(next)) {
      throw new ConfigError(
        path,
        `config override: unknown field '${path}' ('${parts.slice(0, i + 1).join('.')}' is not a section)`,
      );
    }
    node = next;
  }
  const [section, subsection] = parts;
  const addable =
    parts.length === 1 && section === 'model' && (MODEL_OPTION_KEYS as readonly string[]).includes(key);
  const optionalTransformKey = parts.length === 2 && section === 'data' && subsection?.endsWith('Transform');
  if (!Object.hasOwn(node, key) && !addable && !optionalTransformKey) {
    throw new ConfigError(
      path,
      `config override: unknown field '${path}' (fields here: ${Object.keys(node).join(', ')})`,
    );
  }
  const old = node[key];
  // Keep the type of the field unless it is nullable or new: catches 'epochs=ten' at once.
  if (old !== undefined && old !== null && value !== null && typeof old !== typeof value) {
    throw new ConfigError(
      path,
      `config override: field '${path}' must be a ${typeof old} (like ${JSON.stringify(old)}); got ${JSON.stringify(value)}`,
    );
  }
  node[key] = value;
  return out as unknown as TrainConfig;
}

/** Applies `path=value` overrides in order. */
export function applyOverrides(config: TrainConfig, overrides: readonly string[]): TrainConfig {
  let out = config;
  for (const o of overrides) {
    const eq = o.indexOf('=');
    if (eq <= 0)
      throw new ConfigError(o, `config override: expected path=value (e.g. optim.lr=0.05); got '${o}'`);
    out = setConfigValue(out, o.slice(0, eq).trim(), parseOverrideValue(o.slice(eq + 1).trim()));
  }
  return out;
}
