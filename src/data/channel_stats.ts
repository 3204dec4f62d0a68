// Per-channel pixel statistics of uint8 HWC images, accumulated exactly and merged across shards.
// Gives the mean/std that meta.json stores for input normalisation (torchvision convention: on the
// [0, 1] scale, population std over every pixel of the train split, not the mean of per-image stds).

/** Running integer sums; exact per shard (a shard's sums stay far below 2^53). */
export interface ChannelSums {
  /** Sum of pixel values, per channel. */
  sum: number[];
  /** Sum of squared pixel values, per channel. */
  sumSq: number[];
  /** Pixels per channel counted. */
  count: number;
}

export function emptyChannelSums(channels: number): ChannelSums {
  return { sum: new Array(channels).fill(0), sumSq: new Array(channels).fill(0), count: 0 };
}

/** Adds one uint8 HWC image (length = pixels * channels) to `acc` in place. */
export function accumulateChannelSums(acc: ChannelSums, image: Uint8Array): void {
  const c = acc.sum.length;
  if (c === 3) {
    // The common case, unrolled: this runs once per pixel of every prepared image.
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let q0 = 0;
    let q1 = 0;
    let q2 = 0;
    for (let i = 0; i < image.length; i += 3) {
      const a = image[i]!;
      const b = image[i + 1]!;
      const d = image[i + 2]!;
      s0 += a;
      s1 += b;
      s2 += d;
      q0 += a * a;
      q1 += b * b;
      q2 += d * d;
    }
    acc.sum[0]! += s0;
    acc.sum[1]! += s1;
    acc.sum[2]! += s2;
    acc.sumSq[0]! += q0;
    acc.sumSq[1]! += q1;
    acc.sumSq[2]! += q2;
  } else {
    for (let i = 0; i < image.length; i++) {
      const v = image[i]!;
      acc.sum[i % c]! += v;
      acc.sumSq[i % c]! += v * v;
    }
  }
  acc.count += image.length / c;
}

/** a + b (new object). */
export function mergeChannelSums(a: ChannelSums, b: ChannelSums): ChannelSums {
  if (a.sum.length !== b.sum.length || a.sumSq.length !== b.sumSq.length) {
    throw new Error(
      `mergeChannelSums: a and b must count the same channels; got ${a.sum.length} and ${b.sum.length}`,
    );
  }
  return {
    sum: a.sum.map((v, i) => v + b.sum[i]!),
    sumSq: a.sumSq.map((v, i) => v + b.sumSq[i]!),
    count: a.count + b.count,
  };
}

/** Mean and population std per channel on the [0, 1] scale. */
export function channelMeanStd(acc: ChannelSums): { mean: number[]; std: number[] } {
  if (acc.count === 0) throw new Error('channelMeanStd: acc.count: expected > 0 pixels, got 0');
  const mean = acc.sum.map((s) => s / acc.count / 255);
  const std = acc.sumSq.map((q, i) => {
    const m = acc.sum[i]! / acc.count;
    // E[x^2] - E[x]^2 in pixel units; clamp the tiny negative values cancellation can leave.
    return Math.sqrt(Math.max(0, q / acc.count - m * m)) / 255;
  });
  return { mean, std };
}
