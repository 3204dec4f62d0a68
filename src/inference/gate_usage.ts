// Sets a gated model's gate modules to a chosen, input-dependent usage, for benchmarks and tests of
// conditional inference when no trained checkpoint is at hand. Not from the paper; it imitates what
// batch-shaping training produces (Bejnordi et al., ICLR 2020, fig. 3: per channel, gates that are almost
// always on, almost always off, or conditional): on a calibration batch, block by block in forward order,
// each channel of each gate draws a kind (seeded): 'on', 'off' or 'conditional' with an on-rate p ~ U(0.2, 0.8).
// The fc2 column of the channel is rescaled so its pre-bias logit z has unit spread over the batch, and its
// bias placed between two sorted z values (never on one, so decisions keep a margin against rounding):
// above every z ('on'), below every z ('off'), or after the first round((1 - p) N) ('conditional').
// The expected on-fraction is alwaysOn + 0.5 * (1 - alwaysOn - alwaysOff).
import * as tf from '@tensorflow/tfjs-core';
import { requireSyncReadback } from '../backend/sync_readback.js';
import type { GatedModel } from '../models/model_types.js';
import { compileConditional } from './conditional_network.js';
import { decisionFromLogits } from './folded_gate.js';

export interface GateUsageOptions {
  /** Fraction of channels (per gate) that are on for every sample. Default 0.3. */
  alwaysOn?: number;
  /** Fraction of channels that are off for every sample. Default 0.3. */
  alwaysOff?: number;
  /** Seed of the channel kinds and on-rates. Default 0. */
  seed?: number;
}

/** Mulberry32: a small seeded generator (reproducible channel kinds). */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Rewrites every gate's fc2 weight and bias of `model` (in place) from the calibration batch x [N, H, W, C]
 * (N >= 2 for conditional channels to differ). Returns the mean on-fraction over gates and samples on x.
 */
export function setGateUsage(model: GatedModel, x: tf.Tensor4D, options: GateUsageOptions = {}): number {
  const fn = 'setGateUsage';
  const alwaysOn = options.alwaysOn ?? 0.3;
  const alwaysOff = options.alwaysOff ?? 0.3;
  if (!(alwaysOn >= 0 && alwaysOff >= 0 && alwaysOn + alwaysOff <= 1)) {
    throw new Error(
      `${fn}: options 'alwaysOn' and 'alwaysOff' must be >= 0 with a sum <= 1; got ${alwaysOn}, ${alwaysOff}`,
    );
  }
  requireSyncReadback(fn, 'it reads the gate logits of a calibration batch on the host');
  const rand = mulberry32(options.seed ?? 0);
  // Masked dense execution (no gathering) of the same folded network walks the blocks in order.
  const net = compileConditional(model, { skip: 'never' });
  let onSum = 0;
  let count = 0;
  try {
    tf.tidy(() => {
      let h = net.stemForward(x);
      for (const block of net.blocks) {
        const gate = block.gate;
        const { gateLogits, gateProbs, gateMask } = gate.apply(h, { training: false });
        const logits = gateLogits.arraySync() as number[][]; // [N, C]
        tf.dispose([gateLogits, gateProbs, gateMask]);
        const bias = gate.fc2.bias!.arraySync() as number[];
        const n = logits.length;
        const c = bias.length;
        const scale = new Float32Array(c);
        const newBias = new Float32Array(c);
        for (let j = 0; j < c; j++) {
          const z = logits.map((row) => row[j]! - bias[j]!);
          const mean = z.reduce((a, v) => a + v, 0) / n;
          const sd = Math.sqrt(z.reduce((a, v) => a + (v - mean) ** 2, 0) / n);
          const s = sd > 1e-12 ? 1 / sd : 1;
          const sorted = z.map((v) => v * s).sort((a, b) => a - b);
          const u = rand();
          let offCount: number;
          if (u < alwaysOn) offCount = 0;
          else if (u < alwaysOn + alwaysOff) offCount = n;
          else offCount = Math.min(n - 1, Math.max(1, Math.round((1 - (0.2 + 0.6 * rand())) * n)));
          // Threshold between sorted[offCount - 1] and sorted[offCount]; one unit of spread outside at the ends.
          const lo = offCount === 0 ? sorted[0]! - 1 : sorted[offCount - 1]!;
          const hi = offCount === n ? sorted[n - 1]! + 1 : sorted[offCount]!;
          scale[j] = s;
          newBias[j] = -(lo + hi) / 2;
        }
        const w = gate.fc2.weight; // [hidden, C]
        w.assign(tf.mul(w, tf.tensor1d(scale)));
        gate.fc2.bias!.assign(tf.tensor1d(newBias));
        // Decisions from the rewritten gate itself (the block's folded gate is a snapshot of the old one).
        const fresh = gate.apply(h, { training: false });
        const decision = decisionFromLogits(fresh.gateLogits.dataSync(), n, c);
        for (const m of decision.mask) onSum += m;
        count += decision.mask.length;
        h = block.run(h, decision, net.policy, net.profilerOff).y;
      }
    });
  } finally {
    net.dispose();
  }
  return count === 0 ? 0 : onSum / count;
}
