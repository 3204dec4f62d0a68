// Parameter groups by role, as PyTorch optimisers take them: each trainable tensor of a model is a gate
// parameter, a BatchNorm parameter, a bias or a conv/dense weight, and each role has its own weight-decay and
// learning-rate multipliers. Recipes differ exactly here: a public reimplementation of the paper's CIFAR training
// exempts the gate modules from weight decay and decays everything else (BatchNorm included), while the common
// ImageNet practice exempts BatchNorm parameters and biases. The role comes from the torchvision-style names our
// models use: anything under a `gate` module is a gate parameter (its BatchNorm too: the gate is one unit);
// otherwise a tensor of rank > 1 is a weight; a rank-1 `weight` is a BatchNorm scale, and a `bias` is a
// BatchNorm shift when its module also has such a scale (torchvision's `downsample.1`, `bn1`, ...), else a
// conv/dense bias.

import { z } from 'zod';
import { fieldProblems, numberWhere, strictObject } from '../io/schema_issues.js';

export type ParamRole = 'gate' | 'bn' | 'bias' | 'weight';
const PARAM_ROLES: readonly ParamRole[] = ['gate', 'bn', 'bias', 'weight'];

/** Multipliers of one role's parameters: lr x lrScale, weight decay x wdScale (0: exempt). */
export interface ParamGroupConfig {
  lrScale: number;
  wdScale: number;
}

export type ParamGroups = Record<ParamRole, ParamGroupConfig>;

/** The role of every parameter, from its name and rank (`shapes`: parameter name -> shape). */
export function paramRoles(shapes: Record<string, readonly number[]>): Record<string, ParamRole> {
  const module = (name: string) => name.slice(0, name.lastIndexOf('.') + 1);
  const bnModules = new Set(
    Object.entries(shapes)
      .filter(([name, shape]) => shape.length === 1 && name.endsWith('.weight'))
      .map(([name]) => module(name)),
  );
  const roles: Record<string, ParamRole> = {};
  for (const [name, shape] of Object.entries(shapes)) {
    if (name.split('.').includes('gate')) roles[name] = 'gate';
    else if (shape.length > 1) roles[name] = 'weight';
    else if (bnModules.has(module(name))) roles[name] = 'bn';
    else roles[name] = 'bias';
  }
  return roles;
}

/** A bad groups table; `field` is the dotted path at fault (e.g. 'optim.groups.gate.lrScale'). */
class ParamGroupsError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = 'ParamGroupsError';
  }
}

const multiplier = numberWhere('a finite number >= 0', (v) => v >= 0);
const groupSchema = strictObject({ lrScale: multiplier, wdScale: multiplier }, '{lrScale, wdScale}');

/** A groups table: every role, each with finite multipliers >= 0 (TrainConfig's `optim.groups`). */
export const paramGroupsSchema = z.strictObject(
  { gate: groupSchema, bn: groupSchema, bias: groupSchema, weight: groupSchema } satisfies Record<
    ParamRole,
    typeof groupSchema
  >,
  {
    error: (issue) =>
      issue.code === 'unrecognized_keys'
        ? `roles: ${PARAM_ROLES.join(', ')}`
        : `an object with ${PARAM_ROLES.join(', ')}`,
  },
);

/** Checks a groups table (every role, finite multipliers >= 0); `field` names it in errors. */
export function checkParamGroups(field: string, groups: unknown): ParamGroups {
  const parsed = paramGroupsSchema.safeParse(groups);
  if (parsed.success) return groups as ParamGroups;
  const [p] = fieldProblems(parsed.error, groups);
  if (p === undefined) throw new ParamGroupsError(field, `${field}: ${parsed.error.message}`);
  const at = p.field === '' ? field : `${field}.${p.field}`;
  if (p.kind === 'unknown') {
    const where = at.slice(0, at.lastIndexOf('.'));
    const what = where === field ? 'role' : 'field';
    throw new ParamGroupsError(
      at,
      `${where}: unknown ${what} '${at.slice(where.length + 1)}' (${p.expected})`,
    );
  }
  throw new ParamGroupsError(at, `${at} must be ${p.expected}; got ${JSON.stringify(p.got)}`);
}
