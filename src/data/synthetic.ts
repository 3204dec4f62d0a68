// A procedural dataset for demos and tests without downloads: 10 shape classes (circle, square,
// triangle, cross, ring, horizontal stripes, vertical stripes, diamond, checker, crescent) drawn on
// noisy, shaded backgrounds, with a per-sample difficulty in [0, 1] that shrinks the shape, lowers its
// contrast, raises the noise, moves it off centre and adds clutter. Deterministic from a seed (each
// sample from its own seeded stream, so any sample can be re-rendered alone) and written as regular
// shards with the `difficulty` column through ShardWriter. Not from the paper: it gives the gate
// analysis notebooks inputs whose difficulty is known, to ask whether harder samples switch on more
// channels. Segmentation variant: 1-3 shapes per image, mask = class + 1 (0 = background), anti-aliased
// edges marked 255 (ignore).
import { mkdir } from 'node:fs/promises';
import { writeMeta } from './meta_file.js';
import { type DatasetMeta, IGNORE_INDEX, SCHEMA_VERSION, type Task } from './schema.js';
import { mixSeed, SeededRandom } from './seeded_random.js';
import { ShardWriter, type SplitResult, splitMeta } from './shard_writer.js';

export const SYNTHETIC_CLASSES = [
  'circle',
  'square',
  'triangle',
  'cross',
  'ring',
  'hstripes',
  'vstripes',
  'diamond',
  'checker',
  'crescent',
] as const;

const SQRT3 = Math.sqrt(3);

// Signed distance (negative inside) of each class's shape in unit coordinates (shape radius 1).
function shapeDistance(label: number, x: number, y: number): number {
  const box = (hx: number, hy: number) => {
    const dx = Math.abs(x) - hx;
    const dy = Math.abs(y) - hy;
    return Math.hypot(Math.max(dx, 0), Math.max(dy, 0)) + Math.min(Math.max(dx, dy), 0);
  };
  switch (label) {
    case 0: // circle
      return Math.hypot(x, y) - 1;
    case 1: // square
      return box(0.82, 0.82);
    case 2: {
      // equilateral triangle, pointing up (Inigo Quilez's exact SDF)
      const k = SQRT3;
      let px = Math.abs(x) - 1;
      let py = -y + 1 / k;
      if (px + k * py > 0) {
        const nx = (px - k * py) / 2;
        const ny = (-k * px - py) / 2;
        px = nx;
        py = ny;
      }
      px -= Math.min(Math.max(px, -2), 0);
      return -Math.hypot(px, py) * Math.sign(py);
    }
    case 3: // cross
      return Math.min(box(1, 0.3), box(0.3, 1));
    case 4: // ring
      return Math.abs(Math.hypot(x, y) - 0.72) - 0.24;
    case 5: // horizontal stripes in a square patch
      return Math.max(box(0.85, 0.85), Math.sin(y * 2.5 * Math.PI) / (2.5 * Math.PI));
    case 6: // vertical stripes
      return Math.max(box(0.85, 0.85), Math.sin(x * 2.5 * Math.PI) / (2.5 * Math.PI));
    case 7: // diamond
      return (Math.abs(x) + Math.abs(y) - 1) / Math.SQRT2;
    case 8: // checker in a square patch
      return Math.max(
        box(0.85, 0.85),
        (Math.sin(x * 2 * Math.PI) * Math.sin(y * 2 * Math.PI)) / (2 * Math.PI),
      );
    default: // crescent: disk minus a shifted disk
      return Math.max(Math.hypot(x, y) - 1, -(Math.hypot(x - 0.45, y - 0.2) - 0.8));
  }
}

/** Knobs derived from a difficulty in [0, 1]; exported so notebooks can show what difficulty means. */
export function difficultyParams(d: number) {
  return {
    /** Shape radius as a fraction of the image's shorter side. */
    radius: 0.4 - 0.2 * d,
    /** |foreground - background| per channel, pixel units. */
    contrast: 150 - 100 * d,
    /** Std of the Gaussian pixel noise, pixel units. */
    noise: 6 + 34 * d,
    /** Maximum offset of the shape centre from the image centre, fraction of the shorter side. */
    jitter: 0.05 + 0.2 * d,
    /** Maximum rotation, radians. */
    rotation: 0.1 + 0.25 * d,
    /** Clutter line segments. */
    clutter: Math.round(5 * d),
    /** Amplitude of the background shading, pixel units. */
    shading: 10 + 40 * d,
  };
}

interface Shape {
  label: number;
  cx: number;
  cy: number;
  r: number;
  cos: number;
  sin: number;
  color: number[];
}

function randomColor(rng: SeededRandom, channels: number): number[] {
  return Array.from({ length: channels }, () => 50 + 155 * rng.next());
}

/** Renders one sample; returns uint8 [H, W, C] and, for segmentation, the mask [H, W]. */
export function renderSyntheticSample(
  shape: [number, number, number],
  label: number,
  difficulty: number,
  rng: SeededRandom,
  task: Task = 'classification',
): { image: Uint8Array; mask?: Uint8Array } {
  const [H, W, C] = shape;
  const p = difficultyParams(difficulty);
  const side = Math.min(H, W);
  const bg = randomColor(rng, C);
  // Background shading: a random linear gradient.
  const ga = rng.uniform(0, 2 * Math.PI);
  const gx = (Math.cos(ga) * p.shading) / W;
  const gy = (Math.sin(ga) * p.shading) / H;

  const shapes: Shape[] = [];
  const count = task === 'segmentation' ? 1 + rng.int(3) : 1;
  for (let s = 0; s < count; s++) {
    const sign = Array.from({ length: C }, () => (rng.next() < 0.5 ? -1 : 1));
    const color = bg.map((b, c) => {
      const v = b + sign[c]! * p.contrast;
      // Keep the full contrast by reflecting off the range instead of clipping it away.
      return v < 0 || v > 255 ? b - sign[c]! * p.contrast : v;
    });
    const angle = rng.uniform(-p.rotation, p.rotation);
    const spread = task === 'segmentation' ? 0.3 : p.jitter;
    shapes.push({
      label: s === 0 ? label : rng.int(SYNTHETIC_CLASSES.length),
      cx: W / 2 + rng.uniform(-spread, spread) * side,
      cy: H / 2 + rng.uniform(-spread, spread) * side,
      r: p.radius * side * (task === 'segmentation' ? rng.uniform(0.6, 1) : 1),
      cos: Math.cos(angle),
      sin: Math.sin(angle),
      color,
    });
  }
  const lines = Array.from({ length: p.clutter }, () => ({
    x0: rng.uniform(0, W),
    y0: rng.uniform(0, H),
    x1: rng.uniform(0, W),
    y1: rng.uniform(0, H),
    color: randomColor(rng, C),
  }));

  const image = new Uint8Array(H * W * C);
  const mask = task === 'segmentation' ? new Uint8Array(H * W) : undefined;
  const px = new Float64Array(C);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const shade = (x - W / 2) * gx + (y - H / 2) * gy;
      for (let c = 0; c < C; c++) px[c] = bg[c]! + shade;
      let label = 0;
      let edge = false;
      for (const s of shapes) {
        // Into the shape's unit frame: translate, rotate by -angle, scale by 1/r.
        const dx = x + 0.5 - s.cx;
        const dy = y + 0.5 - s.cy;
        const u = (s.cos * dx + s.sin * dy) / s.r;
        const v = (-s.sin * dx + s.cos * dy) / s.r;
        // Anti-aliased coverage from the distance in pixels.
        const alpha = Math.min(1, Math.max(0, 0.5 - shapeDistance(s.label, u, v) * s.r));
        if (alpha > 0) for (let c = 0; c < C; c++) px[c]! += (s.color[c]! - px[c]!) * alpha;
        if (alpha >= 0.75) {
          label = s.label + 1;
          edge = false;
        } else if (alpha > 0.25) edge = true;
      }
      for (const l of lines) {
        // Distance from the pixel centre to the segment; 1-pixel-wide anti-aliased stroke.
        const vx = l.x1 - l.x0;
        const vy = l.y1 - l.y0;
        const t = Math.min(
          1,
          Math.max(0, ((x + 0.5 - l.x0) * vx + (y + 0.5 - l.y0) * vy) / (vx * vx + vy * vy || 1)),
        );
        const dist = Math.hypot(x + 0.5 - l.x0 - t * vx, y + 0.5 - l.y0 - t * vy);
        const alpha = Math.min(1, Math.max(0, 1 - dist));
        if (alpha > 0) for (let c = 0; c < C; c++) px[c]! += (l.color[c]! - px[c]!) * alpha;
      }
      const o = (y * W + x) * C;
      for (let c = 0; c < C; c++)
        image[o + c] = Math.min(255, Math.max(0, Math.round(px[c]! + p.noise * rng.normal())));
      if (mask) mask[y * W + x] = edge ? IGNORE_INDEX : label;
    }
  }
  return mask ? { image, mask } : { image };
}

export interface SyntheticDatasetOptions {
  outDir: string;
  /** Image side (square) or [H, W]; default 32. */
  size?: number | [number, number];
  /** Channels, default 3. */
  channels?: number;
  /** Samples in the train split (default 5000). */
  train?: number;
  /** Samples in the test split (default 1000). */
  test?: number;
  seed?: number;
  /** Records per shard (default 1000). */
  shardSize?: number;
  /** classification (default): one centred shape, label = class. segmentation: 1-3 shapes + masks. */
  task?: Task;
  /** Difficulty range the samples are drawn from, uniformly (default [0, 1]). */
  difficulty?: [number, number];
  /** Called after each sample (written or skipped on resume), e.g. to drive a progress bar. */
  onProgress?: (done: number, total: number, split: 'train' | 'test') => void;
}

// Salt per split so train and test are different samples for the same seed.
const SPLIT_SALT = { train: 11, test: 12 } as const;

/**
 * Writes (or resumes writing) the synthetic dataset into `outDir` (created if missing) and returns its meta.
 * Labels cycle through the classes (balanced); difficulty is uniform in options.difficulty.
 */
export async function writeSyntheticDataset(options: SyntheticDatasetOptions): Promise<DatasetMeta> {
  const size = options.size ?? 32;
  const [H, W] = typeof size === 'number' ? [size, size] : size;
  const C = options.channels ?? 3;
  const seed = options.seed ?? 0;
  const task = options.task ?? 'classification';
  const [dLo, dHi] = options.difficulty ?? [0, 1];
  if (!(Number.isInteger(H) && Number.isInteger(W) && H >= 8 && W >= 8)) {
    throw new Error(
      `writeSyntheticDataset: options.size: expected integers >= 8, got ${JSON.stringify(size)}`,
    );
  }
  if (!(dLo >= 0 && dLo <= dHi && dHi <= 1)) {
    throw new Error(
      `writeSyntheticDataset: options.difficulty: expected 0 <= lo <= hi <= 1, got ${JSON.stringify(options.difficulty)}`,
    );
  }
  const counts = { train: options.train ?? 5000, test: options.test ?? 1000 };
  const imageShape: [number, number, number] = [H, W, C];
  const numClasses = SYNTHETIC_CLASSES.length + (task === 'segmentation' ? 1 : 0);
  const results: Partial<Record<keyof typeof SPLIT_SALT, SplitResult>> = {};
  await mkdir(options.outDir, { recursive: true });
  for (const split of ['train', 'test'] as const) {
    const n = counts[split];
    if (!Number.isInteger(n) || n < 1) {
      throw new Error(`writeSyntheticDataset: options.${split}: expected a positive integer, got ${n}`);
    }
    const w = await ShardWriter.open({
      outDir: options.outDir,
      split,
      task,
      imageShape,
      numClasses,
      shardSize: options.shardSize ?? 1000,
      difficulty: true,
    });
    for (let i = 0; i < n; i++) {
      const id = `${split}-${String(i).padStart(6, '0')}`;
      if (w.nextIsDone()) {
        w.skip(id);
        options.onProgress?.(i + 1, n, split);
        continue;
      }
      const rng = new SeededRandom(mixSeed(seed, SPLIT_SALT[split], i));
      const label = i % SYNTHETIC_CLASSES.length;
      const difficulty = Math.fround(rng.uniform(dLo, dHi));
      const { image, mask } = renderSyntheticSample(imageShape, label, difficulty, rng, task);
      await w.add(
        task === 'segmentation'
          ? { id, image, ...(mask && { mask }), difficulty }
          : { id, image, label, difficulty },
      );
      options.onProgress?.(i + 1, n, split);
    }
    results[split] = await w.close();
  }
  // The loop above wrote both splits.
  const train = results.train!;
  const test = results.test!;
  const meta: DatasetMeta = {
    schemaVersion: SCHEMA_VERSION,
    name: task === 'segmentation' ? 'synthetic-shapes-seg' : 'synthetic-shapes',
    task,
    classes: task === 'segmentation' ? ['background', ...SYNTHETIC_CLASSES] : [...SYNTHETIC_CLASSES],
    imageShape,
    ...(task === 'segmentation' ? { maskShape: [H, W] as [number, number], ignoreIndex: IGNORE_INDEX } : {}),
    splits: { train: splitMeta(train), test: splitMeta(test) },
    mean: train.mean,
    std: train.std,
    sources: [],
    difficulty: true,
    description:
      `Procedural shapes (batch-shaping synthetic set), seed ${seed}, difficulty uniform in [${dLo}, ${dHi}]: ` +
      'higher difficulty = smaller, lower-contrast, noisier, off-centre shapes with clutter.',
  };
  await writeMeta(options.outDir, meta);
  return meta;
}
