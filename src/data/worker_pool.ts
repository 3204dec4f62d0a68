// Batches from worker threads: a pool of W workers, started on first use and kept across epochs (a fresh
// isolate costs start-up and JIT warm-up), each running BatchLoader.produce on every W-th step of a run
// (worker k makes startStep + k, + k + W, ...) and posting the typed arrays back as transfers (no copy);
// the main thread hands them out in step order. Each worker holds at most `depth + 1` unconsumed batches
// (credit-based back-pressure). Every batch is a pure function of (seed, epoch, step), so the result is
// identical to the in-thread loader's, whatever the worker count or timing. Idle workers are unref'd:
// they never keep the process alive; close() ends them.
import type { Worker } from 'node:worker_threads';
import { startModuleWorker } from '../io/module_worker.js';
import type { Batch, LoaderInit } from './batch_loader.js';

/** Main -> worker. */
export type PoolCommand =
  | {
      type: 'run';
      runId: number;
      epoch: number;
      startStep: number;
      stride: number;
      offset: number;
      depth: number;
    }
  | { type: 'credit'; runId: number }
  | { type: 'stop'; runId: number };

/** Worker -> main. */
export type PoolReply =
  | { type: 'batch'; runId: number; batch: Batch }
  | { type: 'done'; runId: number }
  | { type: 'error'; runId: number; message: string; stack?: string | undefined };

class Mailbox {
  private readonly items: PoolReply[] = [];
  private waiting: ((m: PoolReply) => void) | null = null;
  push(m: PoolReply): void {
    if (this.waiting) {
      const w = this.waiting;
      this.waiting = null;
      w(m);
    } else this.items.push(m);
  }
  /** Next reply of run `runId` (or a pool-level error, runId -1); replies of older runs are dropped. */
  async take(runId: number): Promise<PoolReply> {
    for (;;) {
      const m = this.items.shift() ?? (await new Promise<PoolReply>((resolve) => (this.waiting = resolve)));
      if (m.runId === runId || m.runId === -1) return m;
    }
  }
}

function spawnWorker(init: LoaderInit): Worker {
  return startModuleWorker(import.meta.url, 'batch_worker', { workerData: init });
}

export class WorkerPool {
  private readonly workers: Worker[] = [];
  private readonly boxes: Mailbox[] = [];
  private runId = 0;
  private broken = false;

  constructor(
    init: LoaderInit,
    readonly size: number,
  ) {
    for (let k = 0; k < size; k++) {
      const worker = spawnWorker(init);
      const box = new Mailbox();
      worker.on('message', (m: PoolReply) => box.push(m));
      worker.on('error', (err) => {
        this.broken = true;
        box.push({ type: 'error', runId: -1, message: err.message, stack: err.stack });
      });
      worker.on('exit', (code) => {
        if (code !== 0) {
          this.broken = true;
          box.push({ type: 'error', runId: -1, message: `batch worker ${k} exited with code ${code}` });
        }
      });
      worker.unref();
      this.workers.push(worker);
      this.boxes.push(box);
    }
  }

  /** False once a worker has died; the owner then makes a new pool. */
  get usable(): boolean {
    return !this.broken;
  }

  /** Steps startStep .. steps-1 of `epoch`, in order. Starting a run stops the previous one. */
  run(epoch: number, startStep: number, steps: number, depth: number): AsyncIterableIterator<Batch> {
    const runId = ++this.runId;
    const n = Math.max(1, Math.min(this.size, steps - startStep));
    for (let k = 0; k < n; k++) {
      this.workers[k]!.ref();
      this.post(k, { type: 'run', runId, epoch, startStep, stride: n, offset: k, depth });
    }
    let step = startStep;
    let finished = false;
    const finish = () => {
      if (finished) return;
      finished = true;
      for (let k = 0; k < n; k++) {
        if (step < steps) this.post(k, { type: 'stop', runId });
        this.workers[k]!.unref();
      }
    };
    const it: AsyncIterableIterator<Batch> = {
      next: async (): Promise<IteratorResult<Batch>> => {
        if (finished || step >= steps || runId !== this.runId) {
          finish();
          return { done: true, value: undefined };
        }
        const k = (step - startStep) % n;
        const m = await this.boxes[k]!.take(runId);
        if (m.type !== 'batch') {
          finish();
          const why = m.type === 'error' ? m.message : `finished before step ${step}`;
          const err = new Error(`BatchLoader worker ${k}: ${why}`);
          if (m.type === 'error' && m.stack) err.stack = m.stack;
          throw err;
        }
        this.post(k, { type: 'credit', runId });
        step++;
        return { done: false, value: m.batch };
      },
      return: async (): Promise<IteratorResult<Batch>> => {
        finish();
        return { done: true, value: undefined };
      },
      [Symbol.asyncIterator]: () => it,
    };
    return it;
  }

  /** Ends the workers. */
  async close(): Promise<void> {
    this.broken = true;
    await Promise.all(this.workers.map((w) => w.terminate()));
  }

  private post(k: number, command: PoolCommand): void {
    this.workers[k]!.postMessage(command);
  }
}
