// Batches from worker threads: W workers each run BatchLoader.produce on every W-th step (worker k makes
// startStep + k, + k + W, ...) and post the typed arrays back as transfers (no copy); the main thread
// hands them out in step order. Each worker holds at most `depth + 1` unconsumed batches (credit-based
// back-pressure). Because every batch is a pure function of (seed, epoch, step), the result is identical
// to the in-thread loader's, whatever the worker count or timing.
import { Worker } from 'node:worker_threads';
import type { Batch, LoaderInit } from './batch_loader.js';

/** Messages from batch_worker.ts. */
export type WorkerMessage =
  | { type: 'batch'; batch: Batch }
  | { type: 'done' }
  | { type: 'error'; message: string; stack?: string };

/** What batch_worker.ts receives as workerData. */
export interface WorkerTask {
  init: LoaderInit;
  epoch: number;
  startStep: number;
  stride: number;
  offset: number;
  depth: number;
}

class Mailbox {
  private readonly items: WorkerMessage[] = [];
  private waiting: ((m: WorkerMessage) => void) | null = null;
  push(m: WorkerMessage): void {
    if (this.waiting) {
      const w = this.waiting;
      this.waiting = null;
      w(m);
    } else this.items.push(m);
  }
  take(): Promise<WorkerMessage> {
    const m = this.items.shift();
    if (m) return Promise.resolve(m);
    return new Promise((resolve) => {
      this.waiting = resolve;
    });
  }
}

function spawnWorker(task: WorkerTask): Worker {
  // Source runs (tsx: tests, benches) load the .ts entry; a worker does not inherit tsx's loader hooks on
  // Node 20, so a tiny eval'd bootstrap registers tsx first. The built package runs the .js directly.
  if (import.meta.url.endsWith('.ts')) {
    const entry = new URL('./batch_worker.ts', import.meta.url).href;
    const boot = `import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(entry)}); })`;
    return new Worker(boot, { eval: true, workerData: task });
  }
  return new Worker(new URL('./batch_worker.js', import.meta.url), { workerData: task });
}

export function workerBatches(
  init: LoaderInit,
  epoch: number,
  startStep: number,
  workers: number,
  depth: number,
): AsyncIterableIterator<Batch> {
  const { batchSize, dropLast } = init.options;
  const count = init.meta.splits[init.options.split].count;
  const steps = dropLast ? Math.floor(count / batchSize) : Math.ceil(count / batchSize);
  const n = Math.max(1, Math.min(workers, steps - startStep));
  const pool: Worker[] = [];
  const boxes: Mailbox[] = [];
  for (let k = 0; k < n; k++) {
    const task: WorkerTask = { init, epoch, startStep, stride: n, offset: k, depth };
    const worker = spawnWorker(task);
    const box = new Mailbox();
    worker.on('message', (m: WorkerMessage) => box.push(m));
    worker.on('error', (err) => box.push({ type: 'error', message: err.message, stack: err.stack }));
    worker.on('exit', (code) => {
      if (code !== 0) box.push({ type: 'error', message: `batch worker ${k} exited with code ${code}` });
    });
    pool.push(worker);
    boxes.push(box);
  }
  let step = startStep;
  let closed = false;
  const shutdown = async () => {
    closed = true;
    await Promise.all(pool.map((w) => w.terminate()));
  };
  const it: AsyncIterableIterator<Batch> = {
    async next(): Promise<IteratorResult<Batch>> {
      if (closed || step >= steps) {
        if (!closed) await shutdown();
        return { done: true, value: undefined };
      }
      const k = (step - startStep) % n;
      const m = await boxes[k].take();
      if (m.type === 'error') {
        await shutdown();
        const err = new Error(`BatchLoader worker ${k}: ${m.message}`);
        if (m.stack) err.stack = m.stack;
        throw err;
      }
      if (m.type === 'done') {
        await shutdown();
        throw new Error(`BatchLoader worker ${k}: finished before step ${step}`);
      }
      pool[k].postMessage('credit');
      step++;
      return { done: false, value: m.batch };
    },
    async return(): Promise<IteratorResult<Batch>> {
      if (!closed) await shutdown();
      return { done: true, value: undefined };
    },
    [Symbol.asyncIterator]: () => it,
  };
  return it;
}
