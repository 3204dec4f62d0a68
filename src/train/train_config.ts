// TrainConfig: everything a training run depends on, as one typed, JSON-serialisable object. A run saves
// its resolved config (config.json and inside every checkpoint), so `--resume` and `eval` rebuild exactly
// the same model, data pipeline, optimiser and schedules. Presets (presets.ts) are complete configs; the CLI
// changes single fields with `--set path=value` (setConfigValue), and validateTrainConfig checks the result
// and names the field at fault.
import type { BackendChoice } from '../backend/backend_names.js';
import type { TransformSpec } from '../data/transform_spec.js';
import { GATE_LOSS_REDUCTIONS, type GateLossReduction } from '../losses/gate_loss_reduction.js';
import { type LossSchedule, lossSchedule } from '../losses/loss_schedule.js';
import type { ModelName, ModelOptions } from '../models/model_types.js';
import { isModelName, listModels, MODEL_OPTION_KEYS, resolveModelConfig } from '../models/registry.js';
import { OPTIMIZER_KINDS, type OptimizerConfig } from './optimizer.js';
import { checkParamGroups, ParamGroupsError } from './param_groups.js';

/** Where the data comes from; 'synthetic' writes the procedural shapes set on first use. */
export type DatasetName = 'fashion-mnist' | 'cifar10' | 'imagenet' | 'cityscapes' | 'synthetic';
const DATASET_NAMES: readonly DatasetName[] = [
  'fashion-mnist',
  'cifar10',
  'imagenet',
  'cityscapes',
  'synthetic',
];

export type LrScheduleKind = 'step' | 'cosine' | 'poly' | 'constant';

export interface DataConfig {
  dataset: DatasetName;
  /** Prepared dataset folder (meta.json + shards). */
  dir: string;
  trainSplit: string;
  evalSplit: string;
  batchSize: number;
  evalBatchSize: number;
  trainTransform: TransformSpec;
  evalTransform: TransformSpec;
  /**
   * Cap on optimisation steps per epoch (null: the whole split). The loader's shuffle differs every epoch,
   * so a capped epoch is a fresh random subset each time: the short CPU presets see more distinct images
   * than a fixed subset would give.
   */
  maxStepsPerEpoch: number | null;
  /** Cap on evaluated samples (null: the whole eval split, in file order). */
  maxEvalSamples: number | null;
  /** Loader worker threads (0: in the main thread, asynchronously ahead of the step). */
  workers: number;
  /** Synthetic dataset only: task, image side and sample counts written on first use. */
  syntheticTask: 'classification' | 'segmentation';
  syntheticSize: number;
  syntheticTrain: number;
  syntheticTest: number;
}

/** The optimiser (optimizer.ts: sgd, adam or adamw, with groups by parameter role) and its peak lr. */
export interface OptimConfig extends OptimizerConfig {
  /** Peak learning rate (after warm-up); each group's lr is this x its lrScale. */
  lr: number;
}

export interface LrConfig {
  schedule: LrScheduleKind;
  /** 'step': fractions of training at which lr is multiplied by `stepFactor` (CIFAR: [0.6, 0.75, 0.9]). */
  milestones: number[];
  stepFactor: number;
  /** 'poly': lr * (1 - progress)^power (PSPNet uses 0.9). */
  polyPower: number;
  /** Linear warm-up length in epochs (fractional allowed), from `warmupStartFactor * lr` to lr. */
  warmupEpochs: number;
  warmupStartFactor: number;
}

export interface LossConfig extends LossSchedule {
  /** Weight the L0 loss of each gate by the MACs its channel costs (gateMacCosts); false: every gate equal. */
  l0MacWeighted: boolean;
  /** How the batch-shaping loss combines its per-gate terms (batch_shaping_loss.ts): 'sum' or 'mean'. */
  basReduction: GateLossReduction;
  /** How the L0 loss combines its per-gate terms (l0_gate_loss.ts): 'sum' or 'mean'. */
  l0Reduction: GateLossReduction;
}

export interface TrainConfig {
  /** Preset (or user) name of this configuration. */
  name: string;
  description: string;
  /** Seed of the weights (unless model.seed is set), the gate noise and the data order. */
  seed: number;
  backend: BackendChoice;
  model: { name: ModelName } & ModelOptions;
  data: DataConfig;
  epochs: number;
  optim: OptimConfig;
  lr: LrConfig;
  loss: LossConfig;
  /** Evaluate every n epochs (and always after the last); 0: only at the end. */
  evalEveryEpochs: number;
  /** Log a metrics row every n steps (the step Arrow table holds every step regardless). */
  logEverySteps: number;
}

// The backend module is loaded only by the CLI, notebooks and tests (docs/architecture.md, module rules); the names are repeated
// here (a type-only import keeps them in step at compile time).
const BACKEND_CHOICES: readonly BackendChoice[] = [
  'auto',
  'tensorflow-gpu',
  'tensorflow',
  'webgpu',
  'wasm',
  'cpu',
];
const isBackendChoice = (v: unknown): v is BackendChoice => BACKEND_CHOICES.includes(v as BackendChoice);

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

function fail(field: string, expected: string, got: unknown): never {
  throw new ConfigError(
    field,
    `train config: field '${field}' must be ${expected}; got ${JSON.stringify(got)}`,
  );
}

const isObj = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function num(field: string, v: unknown, lo: number, hi = Number.POSITIVE_INFINITY, integer = false): void {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < lo || v > hi || (integer && !Number.isInteger(v))) {
    const range = hi === Number.POSITIVE_INFINITY ? `>= ${lo}` : `in [${lo}, ${hi}]`;
    fail(field, `${integer ? 'an integer' : 'a number'} ${range}`, v);
  }
}

function exactKeys(
  field: string,
  v: Record<string, unknown>,
  keys: readonly string[],
  optional: readonly string[] = [],
): void {
  for (const k of Object.keys(v)) {
    if (!keys.includes(k) && !optional.includes(k)) {
      throw new ConfigError(
        field ? `${field}.${k}` : k,
        `train config: unknown field '${field ? `${field}.` : ''}${k}' (known: ${[...keys, ...optional].join(', ')})`,
      );
    }
  }
  for (const k of keys) {
    if (!(k in v)) {
      throw new ConfigError(
        `${field}.${k}`,
        `train config: field '${field ? `${field}.` : ''}${k}' is missing`,
      );
    }
  }
}

const TOP_KEYS = [
  'name',
  'description',
  'seed',
  'backend',
  'model',
  'data',
  'epochs',
  'optim',
  'lr',
  'loss',
  'evalEveryEpochs',
  'logEverySteps',
] as const;
const DATA_KEYS = [
  'dataset',
  'dir',
  'trainSplit',
  'evalSplit',
  'batchSize',
  'evalBatchSize',
  'trainTransform',
  'evalTransform',
  'maxStepsPerEpoch',
  'maxEvalSamples',
  'workers',
  'syntheticTask',
  'syntheticSize',
  'syntheticTrain',
  'syntheticTest',
] as const;
const OPTIM_KEYS = [
  'kind',
  'lr',
  'momentum',
  'nesterov',
  'beta1',
  'beta2',
  'eps',
  'weightDecay',
  'groups',
] as const;
const LR_KEYS = [
  'schedule',
  'milestones',
  'stepFactor',
  'polyPower',
  'warmupEpochs',
  'warmupStartFactor',
] as const;
const LOSS_KEYS = [
  'gamma',
  'gammaWarmup',
  'gammaAnneal',
  'gammaAnnealStart',
  'gammaAnnealEnd',
  'lambda',
  'lambdaRampStart',
  'lambdaRampEnd',
  'l0MacWeighted',
  'basReduction',
  'l0Reduction',
] as const;

/**
 * Checks every field of a config (types, ranges, unknown or missing fields) and returns it typed.
 * Throws ConfigError naming the first field at fault.
 */
export function validateTrainConfig(value: unknown): TrainConfig {
  if (!isObj(value)) fail('(config)', 'a JSON object', value);
  exactKeys('', value, TOP_KEYS);
  const c = value as unknown as TrainConfig;
  if (typeof c.name !== 'string' || c.name === '') fail('name', 'a non-empty string', c.name);
  if (typeof c.description !== 'string') fail('description', 'a string', c.description);
  num('seed', c.seed, 0, 0xffffffff, true);
  if (!isBackendChoice(c.backend))
    fail('backend', 'auto, tensorflow-gpu, tensorflow, webgpu, wasm or cpu', c.backend);
  num('epochs', c.epochs, 1, Number.POSITIVE_INFINITY, true);
  num('evalEveryEpochs', c.evalEveryEpochs, 0, Number.POSITIVE_INFINITY, true);
  num('logEverySteps', c.logEverySteps, 1, Number.POSITIVE_INFINITY, true);

  if (!isObj(c.model)) fail('model', 'an object {name, ...model options}', c.model);
  exactKeys('model', c.model as unknown as Record<string, unknown>, ['name'], MODEL_OPTION_KEYS);
  if (!isModelName(c.model.name)) fail('model.name', `one of ${listModels().join(', ')}`, c.model.name);
  const { name: modelName, ...modelOptions } = c.model;
  try {
    resolveModelConfig(modelName, modelOptions);
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    const m = /option '(\w+)'/.exec(msg);
    throw new ConfigError(m ? `model.${m[1]}` : 'model', `train config: field 'model': ${msg}`);
  }

  if (!isObj(c.data)) fail('data', 'an object', c.data);
  exactKeys('data', c.data as unknown as Record<string, unknown>, DATA_KEYS);
  const d = c.data;
  if (!DATASET_NAMES.includes(d.dataset))
    fail('data.dataset', `one of ${DATASET_NAMES.join(', ')}`, d.dataset);
  for (const k of ['dir', 'trainSplit', 'evalSplit'] as const) {
    if (typeof d[k] !== 'string' || d[k] === '') fail(`data.${k}`, 'a non-empty string', d[k]);
  }
  num('data.batchSize', d.batchSize, 1, Number.POSITIVE_INFINITY, true);
  num('data.evalBatchSize', d.evalBatchSize, 1, Number.POSITIVE_INFINITY, true);
  for (const k of ['trainTransform', 'evalTransform'] as const) {
    const t = d[k] as unknown;
    const kinds = ['padCropFlip', 'randomResizedCrop', 'scaleCropFlip', 'eval'];
    if (!isObj(t) || !kinds.includes(t.kind as string)) {
      fail(`data.${k}`, `an object with kind ${kinds.join(' | ')}`, t);
    }
  }
  if (d.maxStepsPerEpoch !== null)
    num('data.maxStepsPerEpoch', d.maxStepsPerEpoch, 1, Number.POSITIVE_INFINITY, true);
  if (d.maxEvalSamples !== null)
    num('data.maxEvalSamples', d.maxEvalSamples, 1, Number.POSITIVE_INFINITY, true);
  num('data.workers', d.workers, 0, 64, true);
  if (d.syntheticTask !== 'classification' && d.syntheticTask !== 'segmentation') {
    fail('data.syntheticTask', "'classification' or 'segmentation'", d.syntheticTask);
  }
  num('data.syntheticSize', d.syntheticSize, 8, 4096, true);
  num('data.syntheticTrain', d.syntheticTrain, 1, Number.POSITIVE_INFINITY, true);
  num('data.syntheticTest', d.syntheticTest, 1, Number.POSITIVE_INFINITY, true);

  if (!isObj(c.optim)) fail('optim', 'an object', c.optim);
  exactKeys('optim', c.optim as unknown as Record<string, unknown>, OPTIM_KEYS);
  if (!OPTIMIZER_KINDS.includes(c.optim.kind)) fail('optim.kind', OPTIMIZER_KINDS.join(' | '), c.optim.kind);
  num('optim.lr', c.optim.lr, 0);
  num('optim.momentum', c.optim.momentum, 0, 1);
  if (c.optim.momentum === 1) fail('optim.momentum', 'a number in [0, 1)', 1);
  if (typeof c.optim.nesterov !== 'boolean') fail('optim.nesterov', 'true or false', c.optim.nesterov);
  if (c.optim.nesterov && c.optim.momentum === 0) fail('optim.nesterov', 'false when momentum is 0', true);
  for (const k of ['beta1', 'beta2'] as const) {
    num(`optim.${k}`, c.optim[k], 0, 1);
    if (c.optim[k] === 1) fail(`optim.${k}`, 'a number in [0, 1)', 1);
  }
  num('optim.eps', c.optim.eps, Number.MIN_VALUE);
  num('optim.weightDecay', c.optim.weightDecay, 0);
  try {
    checkParamGroups('optim.groups', c.optim.groups);
  } catch (err) {
    if (!(err instanceof ParamGroupsError)) throw err;
    throw new ConfigError(err.field, `train config: field ${err.message}`);
  }

  if (!isObj(c.lr)) fail('lr', 'an object', c.lr);
  exactKeys('lr', c.lr as unknown as Record<string, unknown>, LR_KEYS);
  const kinds: LrScheduleKind[] = ['step', 'cosine', 'poly', 'constant'];
  if (!kinds.includes(c.lr.schedule)) fail('lr.schedule', kinds.join(' | '), c.lr.schedule);
  if (!Array.isArray(c.lr.milestones))
    fail('lr.milestones', 'an array of fractions of training', c.lr.milestones);
  c.lr.milestones.forEach((m, i) => {
    num(`lr.milestones[${i}]`, m, 0, 1);
    if (i > 0 && m <= c.lr.milestones[i - 1]!) fail(`lr.milestones[${i}]`, 'increasing', m);
  });
  num('lr.stepFactor', c.lr.stepFactor, 0, 1);
  num('lr.polyPower', c.lr.polyPower, 0);
  num('lr.warmupEpochs', c.lr.warmupEpochs, 0);
  num('lr.warmupStartFactor', c.lr.warmupStartFactor, 0, 1);

  if (!isObj(c.loss)) fail('loss', 'an object', c.loss);
  exactKeys('loss', c.loss as unknown as Record<string, unknown>, LOSS_KEYS);
  if (typeof c.loss.l0MacWeighted !== 'boolean')
    fail('loss.l0MacWeighted', 'true or false', c.loss.l0MacWeighted);
  for (const k of ['basReduction', 'l0Reduction'] as const) {
    if (!GATE_LOSS_REDUCTIONS.includes(c.loss[k])) fail(`loss.${k}`, "'sum' or 'mean'", c.loss[k]);
  }
  const { l0MacWeighted: _w, basReduction: _b, l0Reduction: _l, ...schedule } = c.loss;
  try {
    lossSchedule(schedule);
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    const m = /field '(\w+)'/.exec(msg);
    throw new ConfigError(
      m ? `loss.${m[1]}` : 'loss',
      `train config: ${msg.replace(/^lossSchedule: field '/, "field 'loss.")}`,
    );
  }
  return c;
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
  if (parts.some((p) => p === '') || path === '') {
    throw new ConfigError(path, `--set: '${path}' is not a field path (use e.g. optim.lr=0.05)`);
  }
  let node: Record<string, unknown> = out;
  for (let i = 0; i < parts.length - 1; i++) {
    const next = node[parts[i]!];
    if (!isObj(next)) {
      throw new ConfigError(
        path,
        `--set: unknown field '${path}' ('${parts.slice(0, i + 1).join('.')}' is not a section)`,
      );
    }
    node = next;
  }
  const key = parts[parts.length - 1]!;
  const addable =
    parts.length === 2 && parts[0] === 'model' && (MODEL_OPTION_KEYS as readonly string[]).includes(key);
  const optionalTransformKey = parts.length === 3 && parts[0] === 'data' && parts[1]!.endsWith('Transform');
  if (!Object.hasOwn(node, key) && !addable && !optionalTransformKey) {
    throw new ConfigError(
      path,
      `--set: unknown field '${path}' (fields here: ${Object.keys(node).join(', ')})`,
    );
  }
  const old = node[key];
  // Keep the type of the field unless it is nullable or new: catches '--set epochs=ten' at once.
  if (old !== undefined && old !== null && value !== null && typeof old !== typeof value) {
    throw new ConfigError(
      path,
      `--set: field '${path}' must be a ${typeof old} (like ${JSON.stringify(old)}); got ${JSON.stringify(value)}`,
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
    if (eq <= 0) throw new ConfigError(o, `--set: expected path=value (e.g. optim.lr=0.05); got '${o}'`);
    out = setConfigValue(out, o.slice(0, eq).trim(), parseOverrideValue(o.slice(eq + 1).trim()));
  }
  return out;
}
