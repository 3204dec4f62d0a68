// terminalProgress: the bar's text (label, count of total, status; cli-progress throttles the renders between the first and the last) on a terminal stream, a running count
// when the total is unknown, and finish() stopping it once.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { terminalProgress } from '../../src/io/terminal_progress.js';

/** Captures what the bar writes to stderr, pretending stderr is a terminal. */
function captureStderr(run: () => void): string {
  const stderr = process.stderr as NodeJS.WriteStream & { isTTY: boolean };
  const write = stderr.write;
  const tty = stderr.isTTY;
  const cursorTo = stderr.cursorTo;
  const clearLine = stderr.clearLine;
  let out = '';
  stderr.isTTY = true;
  stderr.write = ((chunk: string | Uint8Array) => {
    out += String(chunk);
    return true;
  }) as typeof stderr.write;
  stderr.cursorTo = (() => true) as typeof stderr.cursorTo;
  stderr.clearLine = (() => true) as typeof stderr.clearLine;
  try {
    run();
  } finally {
    stderr.write = write;
    stderr.isTTY = tty;
    stderr.cursorTo = cursorTo;
    stderr.clearLine = clearLine;
  }
  return out;
}

describe('terminalProgress', () => {
  it('shows the label, done of total and the status, and stops once', () => {
    const out = captureStderr(() => {
      const p = terminalProgress('epoch 1/2', 10, 3);
      p.update(7, 10, 'loss 0.5');
      p.finish('done');
      p.finish('again');
      p.update(9);
    });
    assert.match(out, /epoch 1\/2 \S+ 3\/10/); // the first render, at the start position
    assert.match(out, /epoch 1\/2 \S+ 7\/10 \| done/); // the final render (updates between are throttled)
    assert.doesNotMatch(out, /again|9\/10/);
  });

  it('counts without a bar when the total is unknown', () => {
    const out = captureStderr(() => {
      const p = terminalProgress('records');
      p.update(42, undefined, 'reading');
      p.finish();
    });
    assert.match(out, /records 42 \| reading/);
  });
});
