// Assigning a loaded checkpoint's tensors to a model's variables (applyCheckpoint) and freeing them
// (disposeCheckpoint): no file access, so the same code runs in a browser bundle (the site's gate explorer)
// as in Node. checkpoint.ts re-exports both.
import * as tf from '@tensorflow/tfjs-core';
import type { LoadedCheckpoint } from './checkpoint.js';

/** Throws unless `record` is an object of live tf.Tensors; the message names `fn` and `arg`. */
export function checkTensorRecord(fn: string, arg: string, record: unknown): Record<string, tf.Tensor> {
  if (record === null || typeof record !== 'object' || Array.isArray(record)) {
    throw new Error(`${fn}: argument '${arg}' must be an object of named tf.Tensors; got ${String(record)}`);
  }
  for (const [name, t] of Object.entries(record)) {
    if (!(t instanceof tf.Tensor)) {
      throw new Error(`${fn}: ${arg}[${JSON.stringify(name)}] must be a tf.Tensor; got ${typeof t}`);
    }
    if (t.isDisposed) throw new Error(`${fn}: ${arg}[${JSON.stringify(name)}] is disposed`);
  }
  return record as Record<string, tf.Tensor>;
}

/** Disposes every tensor of a loaded checkpoint. */
export function disposeCheckpoint(loaded: Pick<LoadedCheckpoint, 'tensors' | 'optimizer'>): void {
  tf.dispose(Object.values(loaded.tensors));
  if (loaded.optimizer !== undefined) tf.dispose(Object.values(loaded.optimizer));
}

export interface ApplyCheckpointOptions {
  /** When true (default), every target name must be in the checkpoint and vice versa. */
  strict?: boolean;
}

export interface ApplyCheckpointReport {
  /** Names assigned. */
  assigned: string[];
  /** Target names the checkpoint lacks (left unchanged; only possible with strict: false). */
  missing: string[];
  /** Checkpoint names the target lacks (ignored; only possible with strict: false). */
  unexpected: string[];
}

/** Shape/dtype mismatches listed one per line; the rest are counted (a wrong width differs in every tensor). */
const MAX_LISTED_MISMATCHES = 5;

function listNames(names: string[], max = 8): string {
  const shown = names.slice(0, max).map((n) => JSON.stringify(n));
  return names.length > max ? `${shown.join(', ')} and ${names.length - max} more` : shown.join(', ');
}

/**
 * Assigns checkpoint tensors to the target variables by name. Every name, shape and dtype is checked before
 * anything is assigned: on any mismatch it throws and no variable changes. Shape/dtype mismatches are errors
 * even with `strict: false` (which only tolerates missing and unexpected names). The variables share the
 * loaded tensors' storage (tfjs reference counting), so disposing `loaded` afterwards is safe.
 */
export function applyCheckpoint(
  target: Record<string, tf.Variable>,
  loaded: Pick<LoadedCheckpoint, 'tensors'>,
  options: ApplyCheckpointOptions = {},
): ApplyCheckpointReport {
  const fn = 'applyCheckpoint';
  const strict = options.strict ?? true;
  if (target === null || typeof target !== 'object') {
    throw new Error(
      `${fn}: argument 'target' must be an object of named tf.Variables; got ${String(target)}`,
    );
  }
  for (const [name, v] of Object.entries(target)) {
    if (!(v instanceof tf.Variable)) {
      throw new Error(`${fn}: target[${JSON.stringify(name)}] must be a tf.Variable; got ${typeof v}`);
    }
  }
  const source = checkTensorRecord(fn, 'loaded.tensors', loaded?.tensors);
  const missing = Object.keys(target).filter((n) => !Object.hasOwn(source, n));
  const unexpected = Object.keys(source).filter((n) => !Object.hasOwn(target, n));
  const problems: string[] = [];
  if (strict && missing.length > 0) {
    problems.push(`missing from the checkpoint (${missing.length}): ${listNames(missing)}`);
  }
  if (strict && unexpected.length > 0) {
    problems.push(`unexpected in the checkpoint (${unexpected.length}): ${listNames(unexpected)}`);
  }
  const common = Object.keys(target).filter((n) => Object.hasOwn(source, n));
  const differing = common.filter((name) => {
    const want = target[name]!;
    const got = source[name]!;
    return !tf.util.arraysEqual(want.shape, got.shape) || want.dtype !== got.dtype;
  });
  const shown = differing.slice(0, MAX_LISTED_MISMATCHES).map((name) => {
    const want = target[name]!;
    const got = source[name]!;
    return `tensor ${JSON.stringify(name)}: expected shape [${want.shape}] ${want.dtype}, found [${got.shape}] ${got.dtype}`;
  });
  if (differing.length > shown.length) {
    shown.push(`and ${differing.length - shown.length} more tensors of another shape or dtype`);
  }
  problems.push(...shown);
  if (problems.length > 0) {
    const hint =
      differing.length > 0
        ? `\n  (${differing.length} of ${common.length} tensors differ: the checkpoint was written for another configuration of the model, e.g. another width, depth or number of classes)`
        : '';
    throw new Error(
      `${fn}: checkpoint does not match the target; nothing was assigned\n  ${problems.join('\n  ')}${hint}`,
    );
  }
  for (const name of common) {
    // Assigning a variable its own storage would free it first (assign drops the old reference).
    if (target[name]!.dataId !== source[name]!.dataId) target[name]!.assign(source[name]!);
  }
  return { assigned: common, missing, unexpected };
}
