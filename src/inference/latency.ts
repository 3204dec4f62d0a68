// Per-sample wall-clock latency of conditional inference against the MACs each sample's gates leave open:
// does a cheaper gate pattern really run faster? Every sample runs alone (batch 1) through the skipping
// network and through the same folded network without skipping ('masked': every channel computed, closed
// ones multiplied by 0, i.e. what the sample costs when closed gates save nothing), interleaved `reps` times;
// the medians are kept. One warm-up run of each network on the first sample is not timed (kernel set-up,
// operator packing). Meaningful on synchronous backends (wasm, cpu); on webgpu the read of the logits syncs.
import * as tf from '@tensorflow/tfjs-core';
import { median } from '../analysis/summary_stats.js';
import { requireSyncReadback } from '../backend/sync_readback.js';
import { countMacs, dynamicMacs } from '../models/macs.js';
import type { GatedModel } from '../models/model_types.js';
import { type ConditionalOptions, compileConditional } from './conditional_network.js';

export interface LatencyOptions {
  /** Timed runs per sample and network (median kept). Default 3. */
  reps?: number;
  /** Options of the skipping network (its 'skip' must not be 'never'). Default: compileConditional's. */
  conditional?: ConditionalOptions;
}

export interface SampleLatency {
  /** Index of the sample in the input batch. */
  index: number;
  /** MACs of the sample with its gates (models' dynamicMacs, gates included). */
  macs: number;
  /** Median milliseconds with closed channels skipped. */
  ms: number;
  /** Median milliseconds of the same folded network computing every channel. */
  maskedMs: number;
}

export interface LatencyMeasurement {
  backend: string;
  /** MACs of the model with every gate open. */
  denseMacs: number;
  samples: SampleLatency[];
}

/** images: [N, H, W, C] float32, N >= 1. The model is not modified. */
export function measureLatency(
  model: GatedModel,
  images: tf.Tensor4D,
  options: LatencyOptions = {},
): LatencyMeasurement {
  const fn = 'measureLatency';
  const reps = options.reps ?? 3;
  if (!Number.isInteger(reps) || reps < 1) {
    throw new Error(`${fn}: option 'reps' must be an integer >= 1; got ${JSON.stringify(options.reps)}`);
  }
  if (options.conditional?.skip === 'never') {
    throw new Error(`${fn}: option 'conditional.skip' must not be 'never' (that is the masked baseline)`);
  }
  if (!(images instanceof tf.Tensor) || images.rank !== 4 || images.shape[0] < 1) {
    const got = images instanceof tf.Tensor ? `[${images.shape}]` : typeof images;
    throw new Error(`${fn}: argument 'images' must be a tensor [N >= 1, H, W, C]; got ${got}`);
  }
  requireSyncReadback(fn, 'it times conditional inference, which reads each gate decision on the host');
  const [n, h, w, c] = images.shape;
  const shape: [number, number, number] = [h, w, c];
  const skipping = compileConditional(model, { ...options.conditional, batchMode: 'per-sample' });
  const masked = compileConditional(model, { skip: 'never' });
  const time = (net: typeof masked, x: tf.Tensor4D) => {
    const t0 = performance.now();
    const out = net.apply(x);
    out.logits.dataSync();
    const ms = performance.now() - t0;
    out.logits.dispose();
    return { ms, gates: out.gates };
  };
  try {
    const samples: SampleLatency[] = [];
    for (let i = 0; i < n; i++) {
      const x = tf.slice(images, [i, 0, 0, 0], [1, h, w, c]);
      try {
        if (i === 0) {
          time(skipping, x);
          time(masked, x);
        }
        const ms: number[] = [];
        const maskedMs: number[] = [];
        let gates: ReturnType<typeof time>['gates'] = [];
        for (let r = 0; r < reps; r++) {
          const run = time(skipping, x);
          ms.push(run.ms);
          gates = run.gates;
          maskedMs.push(time(masked, x).ms);
        }
        const macs = dynamicMacs(model, shape, gates).total[0]!;
        samples.push({ index: i, macs, ms: median(ms), maskedMs: median(maskedMs) });
      } finally {
        x.dispose();
      }
    }
    return { backend: tf.getBackend(), denseMacs: countMacs(model, shape).total, samples };
  } finally {
    skipping.dispose();
    masked.dispose();
  }
}
