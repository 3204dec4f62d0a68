// stopOnSignals: the first SIGINT/SIGTERM aborts the signal (reason: the signal's name), a second exits
// with 130, and remove() takes the handlers away again.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { stopOnSignals } from '../../src/cli/stop_signals.js';

describe('stopOnSignals', () => {
  it('aborts on the first signal, exits with 130 on the second, and removes its handlers', () => {
    const before = [process.listenerCount('SIGINT'), process.listenerCount('SIGTERM')];
    const exits: number[] = [];
    const stop = stopOnSignals((code) => exits.push(code));
    try {
      assert.equal(stop.signal.aborted, false);
      process.emit('SIGTERM');
      assert.equal(stop.signal.aborted, true);
      assert.equal(stop.signal.reason, 'SIGTERM');
      assert.deepEqual(exits, []);
      process.emit('SIGINT');
      assert.deepEqual(exits, [130]);
    } finally {
      stop.remove();
    }
    assert.deepEqual([process.listenerCount('SIGINT'), process.listenerCount('SIGTERM')], before);
  });
});
