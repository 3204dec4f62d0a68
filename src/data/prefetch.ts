// Runs an async iterator ahead of its consumer by up to `depth` items, so that producing the next batch
// (shard I/O, augmentation) overlaps with whatever the consumer awaits (a GPU step, a data() readback).
// In-thread: the producer's synchronous work still shares the event loop; see BatchLoader's `workers`
// for true parallelism on CPU backends.

/** Wraps `source` so up to `depth` items are requested before the consumer asks for them. */
export function prefetch<T>(source: AsyncIterator<T>, depth: number): AsyncIterableIterator<T> {
  if (!Number.isInteger(depth) || depth < 0)
    throw new Error(`prefetch: depth: expected an integer >= 0, got ${depth}`);
  const queue: Promise<IteratorResult<T>>[] = [];
  let finished = false;
  const fill = () => {
    while (!finished && queue.length < depth + 1) {
      const p = source.next();
      // A rejection is delivered to the consumer when it reaches that item; mark it handled meanwhile.
      p.then(
        (r) => {
          if (r.done) finished = true;
        },
        () => {
          finished = true;
        },
      );
      queue.push(p);
    }
  };
  const it: AsyncIterableIterator<T> = {
    async next(): Promise<IteratorResult<T>> {
      if (queue.length === 0) {
        if (finished) return { done: true, value: undefined };
        fill();
      }
      const head = queue.shift()!;
      const r = await head;
      if (r.done) {
        finished = true;
        queue.length = 0;
        return r;
      }
      fill();
      return r;
    },
    async return(): Promise<IteratorResult<T>> {
      finished = true;
      // Let in-flight items settle so no work runs after the consumer stopped.
      await Promise.allSettled(queue);
      queue.length = 0;
      await source.return?.();
      return { done: true, value: undefined };
    },
    [Symbol.asyncIterator]() {
      return it;
    },
  };
  return it;
}
