// Parameter groups by role, as PyTorch optimisers take them: each trainable tensor of a model is a gate
// parameter, a BatchNorm parameter, a bias or a conv/dense weight, and each role has its own weight-decay and
// learning-rate multipliers. Recipes differ exactly here: a public reimplementation of the paper's CIFAR training
// exempts the gate modules from weight decay and decays everything else (BatchNorm included), while the common
// ImageNet practice exempts BatchNorm parameters and biases. The role comes from the torchvision-style names our
// models use: anything under a `gate` module is a gate parameter (its BatchNorm too: the gate is one unit);
// otherwise a tensor of rank > 1 is a weight; a rank-1 `weight` is a BatchNorm scale, and a `bias` is a
// BatchNorm shift when its module also has such a scale (torchvision's `downsample.1`, `bn1`, ...), else a
// conv/dense bias.

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
export class ParamGroupsError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = 'ParamGroupsError';
  }
}

/** Checks a groups table (every role, finite multipliers >= 0); `field` names it in errors. */
export function checkParamGroups(field: string, groups: unknown): ParamGroups {
  const fail: (at: string, message: string) => never = (at, message) => {
    throw new ParamGroupsError(at, message);
  };
  const isObj = (v: unknown): v is Record<string, unknown> =>
    typeof v === 'object' && v !== null && !Array.isArray(v);
  if (!isObj(groups)) {
    fail(field, `${field} must be an object with ${PARAM_ROLES.join(', ')}; got ${JSON.stringify(groups)}`);
  }
  for (const key of Object.keys(groups)) {
    if (!PARAM_ROLES.includes(key as ParamRole)) {
      fail(`${field}.${key}`, `${field}: unknown role '${key}' (roles: ${PARAM_ROLES.join(', ')})`);
    }
  }
  for (const role of PARAM_ROLES) {
    const g = groups[role];
    if (!isObj(g))
      fail(`${field}.${role}`, `${field}.${role} must be {lrScale, wdScale}; got ${JSON.stringify(g)}`);
    for (const k of Object.keys(g)) {
      if (k !== 'lrScale' && k !== 'wdScale') {
        fail(`${field}.${role}.${k}`, `${field}.${role}: unknown field '${k}' (known: lrScale, wdScale)`);
      }
    }
    for (const k of ['lrScale', 'wdScale'] as const) {
      const v = g[k];
      if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
        fail(
          `${field}.${role}.${k}`,
          `${field}.${role}.${k} must be a finite number >= 0; got ${JSON.stringify(v)}`,
        );
      }
    }
  }
  return groups as unknown as ParamGroups;
}
