// A prepared dataset directory (meta.json + Arrow shards, see schema.ts) opened for reading: its
// validated meta and a factory of streaming batch loaders per split.
import { BatchLoader, type LoaderOptions } from './batch_loader.js';
import { readMeta } from './meta_file.js';
import type { DatasetMeta } from './schema.js';

export class ShardDataset {
  private constructor(
    /** The dataset directory. */
    readonly dir: string,
    readonly meta: DatasetMeta,
  ) {}

  /** Reads and validates `dir/meta.json`; shards are read lazily by loaders. */
  static async open(dir: string): Promise<ShardDataset> {
    return new ShardDataset(dir, await readMeta(dir));
  }

  /** Split names, in meta.json order. */
  get splits(): string[] {
    return Object.keys(this.meta.splits);
  }

  /** Samples in `split`. */
  count(split: string): number {
    const s = this.meta.splits[split];
    if (!s)
      throw new Error(`ShardDataset.count: split: expected one of ${this.splits.join(', ')}, got ${split}`);
    return s.count;
  }

  /** A loader of batches over one split (see LoaderOptions). */
  loader(options: LoaderOptions): BatchLoader {
    return new BatchLoader(this.dir, this.meta, options);
  }
}
