// Worker-thread entry for image_pool.ts: runs image jobs with sharp and posts the pixels back.
// sharp is told to use one libvips thread per worker: the pool supplies the parallelism, and N workers
// each spawning a thread per core would oversubscribe the CPU.

import { parentPort } from 'node:worker_threads';
import sharp from 'sharp';
import { type ImageJob, runImageJob, transferListOf } from './image_job.js';

sharp.concurrency(1);
sharp.cache(false);

const port = parentPort;
if (port === null) throw new Error('image_worker: must run in a worker thread');

port.on('message', async (msg: { id: number; job: ImageJob }) => {
  try {
    const result = await runImageJob(msg.job);
    const arrays = result.kind === 'square' ? [result.image] : [result.image, result.mask];
    port.postMessage({ id: msg.id, result }, transferListOf(arrays));
  } catch (err) {
    port.postMessage({ id: msg.id, error: err instanceof Error ? err.message : String(err) });
  }
});
