// The test images to show next to the reader's: among the test images the model puts in the same class, the
// nearest in pixel space (squared L2 over the raw uint8 pixels) among the cheapest ones (MACs in the lowest
// `fraction` of the test set) and among the most expensive (the highest `fraction`). Side by side they show
// what in an image of that class the gates spend channels on.

export interface NearestQuery {
  pixels: Uint8Array;
  predicted: number;
}

export interface TestSetView {
  /** count x size uint8 pixels, row i = test image i. */
  images: Uint8Array;
  size: number;
  predictions: readonly number[];
  macs: readonly number[];
}

export interface NearestResult {
  /** Test image indices, nearest first. */
  cheap: number[];
  expensive: number[];
  /** MAC thresholds: at most `cheapBelow` is cheap, at least `expensiveAbove` is expensive. */
  cheapBelow: number;
  expensiveAbove: number;
}

/** Value at quantile q (0..1) of `values` (nearest rank). */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) throw new Error('quantile: argument values is empty');
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank]!;
}

/** The `k` nearest cheap and expensive test images of the query's predicted class (excluding `exclude`). */
export function nearestCheapAndExpensive(
  query: NearestQuery,
  test: TestSetView,
  options: { k?: number; fraction?: number; exclude?: number } = {},
): NearestResult {
  const k = options.k ?? 3;
  const fraction = options.fraction ?? 0.2;
  if (!(fraction > 0 && fraction <= 0.5)) {
    throw new Error(`nearestCheapAndExpensive: option 'fraction' must be in (0, 0.5]; got ${fraction}`);
  }
  if (query.pixels.length !== test.size) {
    throw new Error(
      `nearestCheapAndExpensive: the query has ${query.pixels.length} pixels; test images have ${test.size}`,
    );
  }
  const cheapBelow = quantile(test.macs, fraction);
  const expensiveAbove = quantile(test.macs, 1 - fraction);
  const cheap: { i: number; d: number }[] = [];
  const expensive: { i: number; d: number }[] = [];
  for (let i = 0; i < test.predictions.length; i++) {
    if (test.predictions[i] !== query.predicted || i === options.exclude) continue;
    const m = test.macs[i]!;
    const bucket = m <= cheapBelow ? cheap : m >= expensiveAbove ? expensive : undefined;
    if (bucket === undefined) continue;
    let d = 0;
    const off = i * test.size;
    for (let p = 0; p < test.size; p++) {
      const diff = test.images[off + p]! - query.pixels[p]!;
      d += diff * diff;
    }
    bucket.push({ i, d });
  }
  const pick = (list: { i: number; d: number }[]) =>
    list
      .sort((a, b) => a.d - b.d || a.i - b.i)
      .slice(0, k)
      .map((e) => e.i);
  return { cheap: pick(cheap), expensive: pick(expensive), cheapBelow, expensiveAbove };
}
