// From zod's validation issues to the library's error sentences: each problem as the dotted path of the
// field at fault (`optim.groups.gate.wdScale`, `lr.milestones[1]`), what was expected and what was found,
// read from the data itself rather than from error text. The config, model-option and meta.json schemas
// (train/train_config.ts, models/model_options.ts, data/meta_schema.ts) word their errors from these.
import { z } from 'zod';

/** One problem: the field's dotted path, its kind, the expectation (the schema's message) and the value. */
export interface FieldProblem {
  field: string;
  kind: 'unknown' | 'missing' | 'invalid';
  /** 'unknown': the known fields there; otherwise what the field must be. */
  expected: string;
  got: unknown;
}

/** `a.b[2].c` for the path ['a', 'b', 2, 'c']. */
export function fieldPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out;
}

/** The value at `path` inside `root` (undefined where the path leaves it). */
export function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let node: unknown = root;
  for (const key of path) {
    if (typeof node !== 'object' || node === null || !Object.hasOwn(node, key)) return undefined;
    node = (node as Record<PropertyKey, unknown>)[key];
  }
  return node;
}

/** The problems of a failed parse of `input`, in the schema's order. */
export function fieldProblems(error: z.ZodError, input: unknown): FieldProblem[] {
  const problems: FieldProblem[] = [];
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        const path = [...issue.path, key];
        problems.push({
          field: fieldPath(path),
          kind: 'unknown',
          expected: issue.message,
          got: valueAt(input, path),
        });
      }
      continue;
    }
    const got = valueAt(input, issue.path);
    const missing = issue.code === 'invalid_type' && got === undefined;
    problems.push({
      field: fieldPath(issue.path),
      kind: missing ? 'missing' : 'invalid',
      expected: issue.message,
      got,
    });
  }
  return problems;
}

/**
 * z.strictObject whose unknown-key issue lists the known fields, and whose type issue (not an object)
 * reads `expected`.
 */
export function strictObject<T extends z.ZodRawShape>(shape: T, expected = 'an object') {
  const known = Object.keys(shape).join(', ');
  return z.strictObject(shape, {
    error: (issue) => (issue.code === 'unrecognized_keys' ? `known: ${known}` : expected),
  });
}

/** A finite number checked by `ok`; every failure (type or range) reads `expected`. */
export function numberWhere(expected: string, ok: (v: number) => boolean = () => true) {
  return z.number({ error: expected }).refine(ok, { error: expected });
}

/** An integer in [lo, hi]; failures read 'an integer >= lo' or 'an integer in [lo, hi]'. */
export function integerIn(lo: number, hi = Number.POSITIVE_INFINITY) {
  const expected = hi === Number.POSITIVE_INFINITY ? `an integer >= ${lo}` : `an integer in [${lo}, ${hi}]`;
  return numberWhere(expected, (v) => Number.isInteger(v) && v >= lo && v <= hi);
}

/** A number in [lo, hi]; failures read 'a number >= lo' or 'a number in [lo, hi]'. */
export function numberIn(lo: number, hi = Number.POSITIVE_INFINITY) {
  const expected = hi === Number.POSITIVE_INFINITY ? `a number >= ${lo}` : `a number in [${lo}, ${hi}]`;
  return numberWhere(expected, (v) => v >= lo && v <= hi);
}

/** One of `values`; failures read `expected`. */
export function oneOf<const T extends readonly [string, ...string[]]>(values: T, expected: string) {
  return z.enum(values, { error: expected });
}

/** `field 'x' must be E; got G`, `field 'x' is missing` or `unknown field 'x' (known: ...)`. */
export function problemSentence(p: FieldProblem): string {
  if (p.kind === 'unknown') return `unknown field '${p.field}' (${p.expected})`;
  if (p.kind === 'missing') return `field '${p.field}' is missing`;
  return `field '${p.field}' must be ${p.expected}; got ${JSON.stringify(p.got) ?? String(p.got)}`;
}
