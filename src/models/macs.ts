// Multiply-accumulate counting from a model's static layer description (shape inference, no tensors run).
// Convention (torchvision / the batch-shaping paper): conv and dense layers only; BN, ReLU, pooling,
// interpolation and the residual additions are not counted. ResNet-18/34/50 at 224x224: 1.81/3.66/4.09 G.
// Dynamic MACs: a closed gate removes that filter of the conv it gates (outGate) and that input channel of
// the conv after it (inGate); the gate modules' own MACs are always paid.
// dynamicMacs is synchronous and takes host masks (number[][]), or tensors where the backend reads synchronously
// (cpu, wasm, tensorflow); dynamicMacsAsync reads tensor masks with `await t.array()` and works on every backend
// (webgpu included).
import * as tf from '@tensorflow/tfjs-core';
import { hasSyncReadback } from '../backend/sync_readback.js';
import type { ShapeHWC } from '../layers/layer_cost.js';
import type { GatedModel } from './model_types.js';

export interface MacCount {
  /** The network proper, every gate open. */
  main: number;
  /** The gate modules' dense layers. */
  gates: number;
  total: number;
}

/** Per-sample MACs under given gate masks. */
export interface DynamicMacCount {
  /** main[i]: MACs of the network proper for sample i. */
  main: number[];
  /** Gate-module MACs (the same for every sample). */
  gates: number;
  /** total[i] = main[i] + gates. */
  total: number[];
}

export interface GateMacCost {
  /** Gate name, e.g. 'layer1.0.gate'. */
  name: string;
  /** costs[c]: main-network MACs per sample saved by closing channel c of this gate. */
  costs: number[];
}

/** A gate mask per gated block: [N, C] as a tensor (e.g. ModelOutput.gates) or nested arrays. */
export interface GateMaskInput {
  name: string;
  mask: tf.Tensor | number[][];
}

export function countMacs(model: GatedModel, inputShape: ShapeHWC): MacCount {
  let main = 0;
  let gates = 0;
  for (const c of model.layerCosts(inputShape)) {
    if (c.role === 'gate') gates += c.macs;
    else main += c.macs;
  }
  return { main, gates, total: main + gates };
}

/** The MACs a closed channel removes, per gate (uniform within a layer): the L0 loss's MAC weights. */
export function gateMacCosts(model: GatedModel, inputShape: ShapeHWC): GateMacCost[] {
  const costs = model.layerCosts(inputShape);
  return model.gateNames().map((name) => {
    let perChannel = 0;
    let channels = 0;
    for (const c of costs) {
      if (c.outGate === name) {
        perChannel += c.macs / c.outChannels;
        channels = c.outChannels;
      }
      if (c.inGate === name) {
        perChannel += c.macs / c.inChannels;
        channels = c.inChannels;
      }
    }
    return { name, costs: new Array<number>(channels).fill(perChannel) };
  });
}

/** dynamicMacs for masks given as tensors on any backend: reads them with `await mask.array()`. */
export async function dynamicMacsAsync(
  model: GatedModel,
  inputShape: ShapeHWC,
  gates: readonly GateMaskInput[],
): Promise<DynamicMacCount> {
  const host = await Promise.all(
    gates.map(async (g) => ({
      name: g.name,
      mask: g.mask instanceof tf.Tensor ? ((await g.mask.array()) as number[][]) : g.mask,
    })),
  );
  return dynamicMacs(model, inputShape, host);
}

/**
 * Per-sample MACs under the gate masks. Tensor masks are read synchronously, so they are accepted only on
 * backends with synchronous readback; elsewhere (webgpu) pass host masks or use dynamicMacsAsync.
 */
export function dynamicMacs(
  model: GatedModel,
  inputShape: ShapeHWC,
  gates: readonly GateMaskInput[],
): DynamicMacCount {
  const fn = 'dynamicMacs';
  const costs = model.layerCosts(inputShape);
  const expected = model.gateNames();
  const given = new Map<string, number[][]>();
  for (const g of gates) {
    if (g.mask instanceof tf.Tensor && !hasSyncReadback()) {
      throw new Error(
        `${fn}: argument 'gates' holds a tensor mask ('${g.name}'), which the '${tf.getBackend()}' backend cannot read synchronously; pass host masks (number[][]) or use await dynamicMacsAsync(...)`,
      );
    }
    const mask = g.mask instanceof tf.Tensor ? (g.mask.arraySync() as number[][]) : g.mask;
    if (!expected.includes(g.name)) {
      throw new Error(
        `${fn}: argument 'gates' names '${g.name}', which is not a gate of ${model.config.name}`,
      );
    }
    given.set(g.name, mask);
  }
  const missing = expected.filter((n) => !given.has(n));
  if (missing.length > 0) throw new Error(`${fn}: argument 'gates' lacks the masks of ${missing.join(', ')}`);
  const batch = expected.length === 0 ? 1 : given.get(expected[0]!)!.length;
  // Open fraction of each gate per sample.
  const open = new Map<string, number[]>();
  for (const [name, mask] of given) {
    if (mask.length !== batch) {
      throw new Error(`${fn}: gate '${name}' has ${mask.length} samples; expected ${batch} like the others`);
    }
    open.set(
      name,
      mask.map((row) => row.reduce((a, v) => a + (v > 0 ? 1 : 0), 0) / row.length),
    );
  }
  const fraction = (gate: string | undefined, channels: number, i: number): number => {
    if (gate === undefined) return 1;
    const row = given.get(gate)![i]!;
    if (row.length !== channels) {
      throw new Error(
        `${fn}: gate '${gate}' mask has ${row.length} channels; the layer it gates has ${channels}`,
      );
    }
    return open.get(gate)![i]!;
  };
  const main: number[] = [];
  let gateMacs = 0;
  for (const c of costs) if (c.role === 'gate') gateMacs += c.macs;
  for (let i = 0; i < batch; i++) {
    let sum = 0;
    for (const c of costs) {
      if (c.role === 'gate') continue;
      sum += c.macs * fraction(c.outGate, c.outChannels, i) * fraction(c.inGate, c.inChannels, i);
    }
    main.push(sum);
  }
  return { main, gates: gateMacs, total: main.map((m) => m + gateMacs) };
}

export type { ShapeHWC };
