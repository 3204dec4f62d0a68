// Progress for command-line work: plain lines at most every interval with the count, share and rate, the
// final line always; 'quiet' shows nothing; the modes pick a bar or lines.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { silentProgress } from '../../src/io/progress.js';
import { createProgress, lineProgress } from '../../src/io/progress_mode.js';
import { terminalProgress } from '../../src/io/terminal_progress.js';

describe('lineProgress', () => {
  it('writes a line at most every interval, and always the final one', () => {
    const lines: string[] = [];
    let t = 0;
    const p = lineProgress(
      (l) => lines.push(l),
      1000,
      () => t,
    )('train', 200);
    t = 500;
    p.update(50); // too soon
    t = 1000;
    p.update(100);
    t = 1500;
    p.update(150); // too soon
    t = 2000;
    p.finish();
    assert.deepEqual(lines, ['train: 100/200 (50.0%), 100/s', 'train: 150/200 (75.0%), 75/s done']);
  });

  it('counts without a share when the total is unknown, and learns a total given later', () => {
    const lines: string[] = [];
    let t = 0;
    const p = lineProgress(
      (l) => lines.push(l),
      1000,
      () => t,
    )('download x.tar');
    t = 1000;
    p.update(10);
    t = 2000;
    p.update(30, 60);
    p.finish('ok');
    assert.deepEqual(lines, [
      'download x.tar: 10, 10/s',
      'download x.tar: 30/60 (50.0%), 15/s',
      'download x.tar: 30/60 (50.0%), 15/s ok',
    ]);
  });
});

describe('createProgress', () => {
  it('maps the modes onto the progress forms', () => {
    assert.equal(createProgress('quiet'), silentProgress);
    assert.equal(createProgress('bar'), terminalProgress);
    const lines = createProgress('lines');
    assert.notEqual(lines, terminalProgress);
    assert.notEqual(lines, silentProgress);
  });
});
