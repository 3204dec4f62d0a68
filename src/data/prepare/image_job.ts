// The messages exchanged with image workers, and the function that runs one job. Shared by the worker
// (image_worker.ts) and the inline path of image_pool.ts (workers: 0), so both do exactly the same work.

import { decodeSegmentationPair, decodeSquare } from './image_ops.js';

export type ImageJob =
  | { kind: 'square'; bytes: Uint8Array; size: number }
  | {
      kind: 'segmentation';
      image: Uint8Array;
      mask: Uint8Array;
      height: number;
      width: number;
      lut: Uint8Array;
    };

export type ImageJobResult =
  | { kind: 'square'; image: Uint8Array }
  | { kind: 'segmentation'; image: Uint8Array; mask: Uint8Array };

export async function runImageJob(job: ImageJob): Promise<ImageJobResult> {
  if (job.kind === 'square') {
    const px = await decodeSquare(job.bytes, job.size);
    return { kind: 'square', image: px.data };
  }
  const pair = await decodeSegmentationPair(job.image, job.mask, job.height, job.width, job.lut);
  return { kind: 'segmentation', ...pair };
}

/** ArrayBuffers a message may transfer (each distinct buffer once). */
export function transferListOf(arrays: Uint8Array[]): ArrayBuffer[] {
  const seen = new Set<ArrayBuffer>();
  for (const a of arrays) {
    const b = a.buffer as ArrayBuffer;
    // Only whole, non-shared buffers: transferring a pooled Buffer's slab would detach unrelated data.
    if (a.byteOffset === 0 && a.byteLength === b.byteLength && !(b instanceof SharedArrayBuffer)) seen.add(b);
  }
  return [...seen];
}
