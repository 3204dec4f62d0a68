// showFigure against a stand-in tslab: one display_data carrying both the Plotly MIME type and the HTML
// fallback; plotly.js inlined in the first figure only; the public one-MIME API as fallback. Then the HTML
// of two outputs (the later one placed first, so it must wait for the library) drawn in headless Chromium.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { layerUsageFigure } from '../../src/analysis/figures/layer_usage_figure.js';
import { plotlyJsSource } from '../../src/analysis/plotly_bundle.js';
import {
  figureHtml,
  injectPlotly,
  PLOTLY_MIME,
  plotlyLibraryShown,
  resetPlotlyLibrary,
  showFigure,
} from '../../src/notebook/display_figure.js';
import { type DisplayContent, setTslabBridge, type TslabDisplay } from '../../src/notebook/tslab_bridge.js';
import { launchChromium, skipWithoutChromium } from '../helpers/chromium.js';

const figure = layerUsageFigure([
  { name: 'a', channels: 4, alwaysOn: 1, alwaysOff: 1, conditional: 2, meanOnFraction: 0.5 },
  { name: 'b', channels: 8, alwaysOn: 2, alwaysOff: 3, conditional: 3, meanOnFraction: 0.4 },
]);

function fakeDisplay(sent: [string, unknown][]): TslabDisplay {
  return {
    html: (s) => sent.push(['text/html', s]),
    text: (s) => sent.push(['text/plain', s]),
    png: (b) => sent.push(['image/png', b]),
    raw: (t, b) => sent.push([t, b]),
  };
}

afterEach(() => {
  setTslabBridge();
  resetPlotlyLibrary();
});

describe('showFigure', () => {
  it('sends one bundle with both MIME types; plotly.js only in the first', () => {
    const bundles: DisplayContent[] = [];
    const single: [string, unknown][] = [];
    setTslabBridge({
      tslab: { display: fakeDisplay(single), newDisplay: () => fakeDisplay(single) },
      writer: (c, update) => {
        assert.equal(update, false);
        bundles.push(c);
      },
    });
    const lib = plotlyJsSource();
    showFigure(figure);
    showFigure(figure);
    assert.equal(single.length, 0, 'nothing through the one-MIME API');
    assert.equal(bundles.length, 2);
    for (const b of bundles) {
      assert.deepEqual(b.data[PLOTLY_MIME], { data: figure.data, layout: figure.layout });
      assert.equal(typeof b.data['text/html'], 'string');
    }
    const [first, second] = bundles.map((b) => b.data['text/html'] as string);
    assert.ok(first!.includes(lib), 'first figure inlines plotly.js');
    assert.ok(!second!.includes('plotly.js v'), 'second figure reuses window.Plotly');
    assert.ok(second!.length < 10_000);
    assert.ok(plotlyLibraryShown());
    // html: false sends the Plotly MIME type alone.
    showFigure(figure, { html: false });
    assert.deepEqual(Object.keys(bundles[2]!.data).sort(), [PLOTLY_MIME, 'text/plain']);
    assert.throws(() => showFigure({} as never), /showFigure: argument 'figure' must be a Plotly figure/);
  });

  it('falls back to the public one-MIME API (HTML) without the kernel writer', () => {
    const single: [string, unknown][] = [];
    setTslabBridge({ tslab: { display: fakeDisplay(single), newDisplay: () => fakeDisplay(single) } });
    showFigure(figure);
    showFigure(figure, { html: false });
    assert.deepEqual(
      single.map(([t]) => t),
      ['text/html', PLOTLY_MIME],
    );
    assert.deepEqual(JSON.parse(single[1]![1] as string), { data: figure.data, layout: figure.layout });
    resetPlotlyLibrary();
    injectPlotly();
    assert.ok((single[2]![1] as string).startsWith('<script>'));
    assert.ok(plotlyLibraryShown());
  });

  it('HTML fallback: a later output waits for the library of an earlier one (headless Chromium)', {
    skip: skipWithoutChromium,
    timeout: 60_000,
  }, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bs-nb-'));
    const later = figureHtml(figure, { library: false, divId: 'fig-b' });
    const first = figureHtml(figure, { library: true, divId: 'fig-a' });
    const path = join(dir, 'outputs.html');
    await writeFile(path, `<!DOCTYPE html><html><body>${later}${first}</body></html>`);
    const context = await launchChromium(join(dir, 'profile'));
    try {
      const page = await context.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      page.on('console', (m) => {
        if (m.type() === 'error') errors.push(m.text());
      });
      await page.goto(pathToFileURL(path).href);
      await page.waitForFunction(() => document.querySelectorAll('.bs-plot .main-svg').length >= 2, null, {
        timeout: 20_000,
      });
      const bars = await page.evaluate(() => document.querySelectorAll('#fig-b .bars path').length);
      assert.ok(bars >= 6, `fig-b drew ${bars} bars`);
      assert.deepEqual(errors, []);
    } finally {
      await context.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
