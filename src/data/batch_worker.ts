// Worker-thread entry of worker_batches.ts: produces every `stride`-th batch of an epoch and posts it
// (typed arrays transferred, not copied), waiting for a credit from the main thread whenever `depth + 1`
// batches are unconsumed.
import { parentPort, workerData } from 'node:worker_threads';
import { BatchLoader } from './batch_loader.js';
import type { WorkerMessage, WorkerTask } from './worker_batches.js';

const task = workerData as WorkerTask;
const port = parentPort!;
let credits = task.depth + 1;
let wake: (() => void) | null = null;
port.on('message', () => {
  credits++;
  wake?.();
  wake = null;
});

async function main(): Promise<void> {
  const loader = new BatchLoader(task.init.dir, task.init.meta, { ...task.init.options, workers: 0 });
  for await (const batch of loader.produce(task.epoch, task.startStep, task.stride, task.offset)) {
    while (credits === 0) await new Promise<void>((resolve) => (wake = resolve));
    credits--;
    const transfer: ArrayBuffer[] = [batch.images.buffer as ArrayBuffer];
    if (batch.labels) transfer.push(batch.labels.buffer as ArrayBuffer);
    if (batch.masks) transfer.push(batch.masks.buffer as ArrayBuffer);
    if (batch.difficulties) transfer.push(batch.difficulties.buffer as ArrayBuffer);
    port.postMessage({ type: 'batch', batch } satisfies WorkerMessage, transfer);
  }
  port.postMessage({ type: 'done' } satisfies WorkerMessage);
  port.close();
}

main().catch((err: Error) => {
  port.postMessage({ type: 'error', message: err.message, stack: err.stack } satisfies WorkerMessage);
  port.close();
});
