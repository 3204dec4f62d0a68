// A small pool of worker threads (node:worker_threads) decoding and resizing images with sharp.
// JPEG decode + resize dominates ImageNet preparation (~1.3 M images); workers keep the main thread free
// for reading archives and encoding Arrow shards. `workers: 0` runs jobs inline (same code, image_job.ts).
// Workers start through startModuleWorker (src/io/module_worker.ts), from the build as from the sources.

import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { startModuleWorker } from '../../io/module_worker.js';
import { type ImageJob, type ImageJobResult, runImageJob, transferListOf } from './image_job.js';

export interface ImagePoolOptions {
  /** Worker threads; 0 = decode inline on the main thread. Default min(4, cores). */
  workers?: number | undefined;
}

interface Pending {
  resolve: (r: ImageJobResult) => void;
  reject: (e: Error) => void;
}

export class ImagePool {
  readonly size: number;
  private readonly workers: Worker[] = [];
  private readonly idle: Worker[] = [];
  private readonly queue: { id: number; job: ImageJob }[] = [];
  private readonly pending = new Map<number, Pending>();
  private readonly busy = new Map<Worker, number>();
  private nextId = 0;
  private closed = false;

  constructor(options: ImagePoolOptions = {}) {
    const n = options.workers ?? Math.min(4, availableParallelism());
    if (!Number.isInteger(n) || n < 0) {
      throw new Error(`ImagePool: options.workers: expected a non-negative integer, got ${n}`);
    }
    this.size = n;
    for (let i = 0; i < n; i++) {
      const w = startModuleWorker(import.meta.url, 'image_worker');
      w.on('message', (msg: { id: number; result?: ImageJobResult; error?: string }) =>
        this.onMessage(w, msg),
      );
      w.on('error', (err) => this.onCrash(w, err));
      w.unref();
      this.workers.push(w);
      this.idle.push(w);
    }
  }

  /** Runs one job; resolves with its pixels or rejects with the decoder's message. */
  run(job: ImageJob): Promise<ImageJobResult> {
    if (this.closed) return Promise.reject(new Error('ImagePool.run: pool is closed'));
    if (this.size === 0) return runImageJob(job);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.queue.push({ id, job });
      this.pump();
    });
  }

  /** Terminates the workers; pending jobs reject. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const p of this.pending.values()) p.reject(new Error('ImagePool: closed before the job finished'));
    this.pending.clear();
    await Promise.all(this.workers.map((w) => w.terminate()));
  }

  private pump(): void {
    while (this.idle.length > 0 && this.queue.length > 0) {
      const w = this.idle.pop()!;
      const msg = this.queue.shift()!;
      this.busy.set(w, msg.id);
      w.ref();
      const job = msg.job;
      const arrays = job.kind === 'square' ? [job.bytes] : [job.image, job.mask];
      w.postMessage(msg, transferListOf(arrays));
    }
  }

  private onMessage(w: Worker, msg: { id: number; result?: ImageJobResult; error?: string }): void {
    this.busy.delete(w);
    w.unref();
    this.idle.push(w);
    const p = this.pending.get(msg.id);
    this.pending.delete(msg.id);
    if (p) {
      if (msg.error !== undefined) p.reject(new Error(msg.error));
      else p.resolve(msg.result!);
    }
    this.pump();
  }

  private onCrash(w: Worker, err: Error): void {
    // A crashed worker fails its job and everything queued: preparation stops rather than hangs.
    const id = this.busy.get(w);
    if (id !== undefined) this.pending.get(id)?.reject(err);
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
    this.queue.length = 0;
    this.closed = true;
  }
}

/**
 * Maps `source` through `fn` with at most `concurrency` calls in flight, yielding results in source
 * order (shards must be deterministic for resume). Stops at the first rejection.
 */
export async function* orderedMap<T, R>(
  source: AsyncIterable<T> | Iterable<T>,
  concurrency: number,
  fn: (item: T) => Promise<R>,
): AsyncGenerator<R> {
  const inFlight: Promise<R>[] = [];
  try {
    for await (const item of source) {
      const p = fn(item);
      p.catch(() => {}); // observed below, in order; avoids an unhandled rejection meanwhile
      inFlight.push(p);
      if (inFlight.length >= concurrency) yield await inFlight.shift()!;
    }
    while (inFlight.length > 0) yield await inFlight.shift()!;
  } finally {
    inFlight.length = 0;
  }
}
