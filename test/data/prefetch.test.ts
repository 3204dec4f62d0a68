import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { prefetch } from '../../src/data/prefetch.js';

describe('prefetch', () => {
  it('yields all items in order and runs the producer ahead by depth', async () => {
    let produced = 0;
    async function* source() {
      for (let i = 0; i < 6; i++) {
        produced++;
        yield i;
      }
    }
    const it = prefetch(source(), 2);
    const first = await it.next();
    assert.equal(first.value, 0);
    // Let the queued requests settle: the producer is now ahead of the consumer.
    await new Promise((r) => setImmediate(r));
    assert.ok(produced >= 3, `produced ${produced} after consuming 1`);
    const rest: number[] = [];
    for await (const v of it) rest.push(v);
    assert.deepEqual(rest, [1, 2, 3, 4, 5]);
  });

  it('delivers a producer error at the item where it happened', async () => {
    async function* source() {
      yield 1;
      throw new Error('boom');
    }
    const it = prefetch(source(), 3);
    assert.equal((await it.next()).value, 1);
    await assert.rejects(it.next(), /boom/);
  });

  it('return() stops the producer', async () => {
    let finalised = false;
    async function* source() {
      try {
        for (let i = 0; ; i++) yield i;
      } finally {
        finalised = true;
      }
    }
    const it = prefetch(source(), 1);
    await it.next();
    await it.return!();
    assert.ok(finalised);
  });
});
