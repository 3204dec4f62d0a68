// The notebook progress display: one newDisplay updated in place, throttled by a fake clock, with the
// final state always shown.
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import {
  notebookProgress,
  notebookProgressFactory,
  progressHtml,
} from '../../src/notebook/notebook_progress.js';
import { setTslabBridge, type TslabDisplay } from '../../src/notebook/tslab_bridge.js';

afterEach(() => setTslabBridge());

describe('notebookProgress', () => {
  it('updates one display in place, at most once per interval, always at the end', () => {
    const displays: string[][] = [];
    const newDisplay = (): TslabDisplay => {
      const sent: string[] = [];
      displays.push(sent);
      return { html: (s) => sent.push(s), text: () => {}, png: () => {}, raw: () => {} };
    };
    setTslabBridge({ tslab: { display: newDisplay(), newDisplay } });
    let t = 1000;
    const p = notebookProgress('recording', { intervalMs: 100, now: () => t });
    p.update(1, 10); // shown (first)
    t += 50;
    p.update(2); // throttled
    t += 60;
    p.update(3, undefined, 'batch <3>'); // shown; total kept from before
    p.finish();
    assert.equal(displays.length, 2, 'the default display plus exactly one new display');
    const sent = displays[1]!;
    assert.equal(sent.length, 3);
    assert.match(sent[0]!, /1 \/ 10 \(10\.0%\)/);
    assert.match(sent[1]!, /3 \/ 10 \(30\.0%\).*batch &#60;3&#62;/);
    assert.match(sent[2]!, /3 \/ 10 .*done/);
  });

  it('serves as the ProgressFactory train() and runEvaluation take, starting where a resumed epoch starts', () => {
    const sent: string[] = [];
    const newDisplay = (): TslabDisplay => ({
      html: (s) => sent.push(s),
      text: () => {},
      png: () => {},
      raw: () => {},
    });
    setTslabBridge({ tslab: { display: newDisplay(), newDisplay } });
    const p = notebookProgressFactory('epoch 2/3', 40, 12);
    assert.match(sent.at(-1) ?? '', /epoch 2\/3 .*12 \/ 40 \(30\.0%\)/);
    p.finish('stopped');
    assert.match(sent.at(-1) ?? '', /12 \/ 40 .*stopped/);
  });

  it('renders counts, bar and timing', () => {
    const h = progressHtml('eval', 5, 20, 10);
    assert.match(h, /<progress value="5" max="20"/);
    // 25% done in 10 s: 30 s left.
    assert.match(h, /elapsed 10\.0s, eta 30\.0s/);
    assert.doesNotMatch(progressHtml('x', 7, undefined, 1), /<progress/);
  });
});
