// The display helpers on Deno's Jupyter kernel, against a stand-in Deno.jupyter: tables and images as
// display_data, the progress display as one display_data then update_display_data with the same display id,
// a figure as plotly.js in parts below the message limit (put together again in a page they give back the
// library exactly, in any order, and in headless Chromium define Plotly so the figure draws) followed by one
// bundle with the Plotly MIME type and the HTML fallback; the cell waits after large messages only. Under
// Node without a kernel, the tslab host is the one chosen.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { runInNewContext } from 'node:vm';
import { layerUsageFigure } from '../../src/analysis/figures/layer_usage_figure.js';
import { plotlyJsSource } from '../../src/analysis/plotly_bundle.js';
import { setDenoJupyterBridge } from '../../src/notebook/deno_jupyter_bridge.js';
import {
  figureHtml,
  PLOTLY_MIME,
  plotlyLibraryParts,
  resetPlotlyLibrary,
  showFigure,
} from '../../src/notebook/display_figure.js';
import { showTable } from '../../src/notebook/display_html.js';
import {
  DENO_MAX_MESSAGE_CHARS,
  DENO_NEW_OUTPUT_WAIT_MS,
  DENO_SEND_CHARS_PER_MS,
  denoHost,
  notebookHost,
} from '../../src/notebook/notebook_host.js';
import { notebookProgress } from '../../src/notebook/notebook_progress.js';
import { launchChromium, skipWithoutChromium } from '../helpers/chromium.js';

interface Sent {
  msgType: string;
  content: { data: Record<string, unknown>; metadata: object; transient: { display_id?: string } };
}

function fakeJupyter(): { sent: Sent[]; broadcast: (t: string, c: Record<string, unknown>) => undefined } {
  const sent: Sent[] = [];
  return {
    sent,
    broadcast: (msgType, content) => {
      sent.push({ msgType, content: content as Sent['content'] });
      return undefined; // what Deno 2.9 returns
    },
  };
}

const figure = layerUsageFigure([
  { name: 'a', channels: 4, alwaysOn: 1, alwaysOff: 1, conditional: 2, meanOnFraction: 0.5 },
]);

afterEach(() => {
  setDenoJupyterBridge();
  resetPlotlyLibrary();
});

describe("notebook host: Deno's kernel", () => {
  it('is chosen when Deno.jupyter is there; tslab otherwise', () => {
    assert.equal(notebookHost().kind, 'tslab');
    setDenoJupyterBridge(fakeJupyter());
    assert.equal(notebookHost().kind, 'deno');
  });

  it('shows a table as one display_data with HTML', () => {
    const jupyter = fakeJupyter();
    setDenoJupyterBridge(jupyter);
    showTable([{ run: 'a', 'top-1': 0.5 }], 'results');
    assert.equal(jupyter.sent.length, 1);
    assert.equal(jupyter.sent[0]!.msgType, 'display_data');
    assert.match(String(jupyter.sent[0]!.content.data['text/html']), /<caption[^>]*>results<\/caption>/);
    assert.deepEqual(jupyter.sent[0]!.content.transient, {});
  });

  it('updates the progress display in place under one display id', () => {
    const jupyter = fakeJupyter();
    setDenoJupyterBridge(jupyter);
    let t = 0;
    const p = notebookProgress('training', { intervalMs: 100, now: () => t });
    p.update(1, 4);
    t += 200;
    p.update(2);
    p.finish('2 steps');
    assert.deepEqual(
      jupyter.sent.map((m) => m.msgType),
      ['display_data', 'update_display_data', 'update_display_data'],
    );
    const ids = new Set(jupyter.sent.map((m) => m.content.transient.display_id));
    assert.equal(ids.size, 1);
    assert.match(String([...ids][0]), /^bs-display-/);
    assert.match(String(jupyter.sent[2]!.content.data['text/html']), /2 \/ 4 .*2 steps/);
    // A second progress display gets its own id.
    notebookProgress('eval').update(1, 2);
    assert.notEqual(jupyter.sent.at(-1)!.content.transient.display_id, [...ids][0]);
  });

  it('sends plotly.js in parts below the limit, then the figure bundle without the library', () => {
    const jupyter = fakeJupyter();
    setDenoJupyterBridge(jupyter);
    showFigure(figure);
    const parts = jupyter.sent.slice(0, -1);
    const last = jupyter.sent.at(-1)!;
    assert.ok(parts.length >= 2, `plotly.js went in ${parts.length} part(s)`);
    for (const m of jupyter.sent) {
      const chars = JSON.stringify(m.content).length;
      assert.ok(chars <= DENO_MAX_MESSAGE_CHARS, `a message of ${chars} characters`);
    }
    assert.deepEqual(last.content.data[PLOTLY_MIME], { data: figure.data, layout: figure.layout });
    const html = String(last.content.data['text/html']);
    assert.match(html, /class="bs-plot"/);
    assert.ok(html.length < 100_000, 'the figure itself does not carry the library');
    // The next figure sends no library.
    jupyter.sent.length = 0;
    showFigure(figure);
    assert.equal(jupyter.sent.length, 1);
  });

  it('the parts give back plotly.js exactly, run once, in whatever order the page runs them', () => {
    const parts = plotlyLibraryParts(DENO_MAX_MESSAGE_CHARS);
    const scripts = parts.map((p) => {
      const m = /^<script>([\s\S]*)<\/script>$/.exec(p);
      assert.ok(m, 'each part is one script element');
      assert.doesNotMatch(m[1]!, /<\/script/i, 'no part can close its script element early');
      return m[1]!;
    });
    const evaluated: string[] = [];
    const window: Record<string, unknown> = {};
    const context = { window, eval: (src: string) => evaluated.push(src) };
    // Reversed: the last part to arrive completes the set.
    for (const s of [...scripts].reverse()) runInNewContext(s, context);
    assert.equal(evaluated.length, 1);
    assert.equal(evaluated[0], plotlyJsSource());
    assert.equal(window.__batchShapingPlotlyParts, undefined, 'the parts are dropped once run');
    assert.throws(() => plotlyLibraryParts(10), /argument 'maxChars' must be an integer >= 1000; got 10/);
  });

  it('the parts define Plotly in a browser and the figure draws (headless Chromium)', {
    skip: skipWithoutChromium,
    timeout: 60_000,
  }, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bs-nb-deno-'));
    const fig = figureHtml(figure, { library: false, divId: 'fig-deno' });
    // As the outputs would stand in a page: the parts, then the figure; here the parts in reverse order.
    const parts = [...plotlyLibraryParts(DENO_MAX_MESSAGE_CHARS)].reverse();
    const path = join(dir, 'outputs.html');
    await writeFile(path, `<!DOCTYPE html><html><body>${parts.join('\n')}${fig}</body></html>`);
    const context = await launchChromium(join(dir, 'profile'));
    try {
      const page = await context.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(pathToFileURL(path).href);
      await page.waitForFunction(() => document.querySelectorAll('#fig-deno .main-svg').length >= 1, null, {
        timeout: 20_000,
      });
      const bars = await page.evaluate(() => document.querySelectorAll('#fig-deno .bars path').length);
      assert.ok(bars >= 3, `the figure drew ${bars} bars`);
      assert.deepEqual(errors, []);
    } finally {
      await context.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('waits after large messages until they are likely sent, after a new output a short floor, after updates not', () => {
    const jupyter = fakeJupyter();
    const waits: number[] = [];
    let t = 0;
    const host = denoHost(
      jupyter,
      (ms) => waits.push(ms),
      () => t,
    );
    host.html('<b>small</b>');
    assert.deepEqual(waits, [DENO_NEW_OUTPUT_WAIT_MS]);
    const progress = host.newDisplay();
    progress.html('step 1');
    progress.html('step 2'); // an update: no wait
    assert.deepEqual(waits, [DENO_NEW_OUTPUT_WAIT_MS, DENO_NEW_OUTPUT_WAIT_MS]);
    waits.length = 0;
    const big = 'x'.repeat(1_000_000);
    host.html(big);
    host.html(big);
    // Two queued at once: the second waits for both (plus the small one's microseconds).
    assert.equal(waits.length, 2);
    const one = 1_000_000 / DENO_SEND_CHARS_PER_MS;
    assert.ok(waits[0]! >= one && waits[0]! <= one + 1, `first wait ${waits[0]} ms`);
    assert.ok(waits[1]! >= 2 * one && waits[1]! <= 2 * one + 1, `second wait ${waits[1]} ms`);
    t += 1e6; // long after: the queue is empty again, a small output waits the floor only
    host.html('<b>small</b>');
    assert.deepEqual(waits.slice(2), [DENO_NEW_OUTPUT_WAIT_MS]);
  });

  it('reports a broadcast that fails later instead of losing it', async () => {
    const errors: string[] = [];
    const original = console.error;
    console.error = (s: string) => errors.push(s);
    try {
      const host = denoHost({ broadcast: () => Promise.reject(new Error('socket closed')) });
      host.html('<b>x</b>');
      await new Promise((r) => setImmediate(r));
    } finally {
      console.error = original;
    }
    assert.match(errors.join('\n'), /Deno\.jupyter\.broadcast\(display_data\) failed: socket closed/);
  });
});
