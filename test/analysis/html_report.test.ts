// The standalone HTML report: self-contained (plotly.js inlined, no external script or CDN), one plot div per
// figure, written atomically; then opened in headless Chromium (Debian's `chromium`, driven by
// playwright-core): no console errors, every plot div rendered by plotly.js (has `.main-svg`), screenshot
// saved to artifacts/report.png. The browser part is skipped, saying why, when /usr/bin/chromium is absent.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { buildReportHtml, type ReportInput, writeReport } from '../../src/analysis/html_report.js';
import { extremeSamples } from '../../src/analysis/macs_statistics.js';
import { plotlyJsSource } from '../../src/analysis/plotly_bundle.js';
import { linearGrid } from '../../src/analysis/probability_cdf.js';
import { type GalleryItem, galleryHtml, imageDataUrl } from '../../src/analysis/sample_gallery.js';
import { SeededRandom } from '../../src/data/seeded_random.js';
import { renderSyntheticSample } from '../../src/data/synthetic.js';
import { launchChromium, skipWithoutChromium } from '../helpers/chromium.js';
import { syntheticRecords } from './synthetic_records.js';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bs-report-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function reportInput(): Promise<ReportInput> {
  const records = syntheticRecords();
  const extremes = extremeSamples(records, 4);
  // The records are synthetic, so render a synthetic image per sample from its label and difficulty.
  const items = async (list: typeof extremes.lowest): Promise<GalleryItem[]> =>
    Promise.all(
      list.map(async (s) => {
        const { image } = renderSyntheticSample(
          [32, 32, 3],
          s.label,
          s.difficulty!,
          new SeededRandom(s.index),
        );
        return {
          src: await imageDataUrl({ pixels: image, shape: [32, 32, 3] }),
          caption: [s.id, `${(s.macs / 1e3).toFixed(1)} KMACs`, `label ${s.label} -> ${s.prediction}`],
        };
      }),
    );
  const grid = linearGrid(51);
  return {
    records,
    // Uniform(0, 1) prior: CDF = identity (the real report passes the Beta prior's CDF values).
    prior: { name: 'Uniform(0, 1)', grid, cdf: grid },
    tradeoff: {
      points: [
        { name: 'epoch 1', accuracy: 0.6, macs: 40e3 },
        { name: 'epoch 2', accuracy: 0.7, macs: 35e3 },
      ],
      baselines: [{ name: 'dense', accuracy: 0.72, macs: 53.1e3 }],
    },
    metrics: [
      { epoch: 1, loss: 1.2, accuracy: 0.6 },
      { epoch: 2, loss: 0.9, accuracy: 0.7 },
    ],
    galleries: [
      { title: 'Cheapest samples', items: await items(extremes.lowest) },
      { title: 'Most expensive samples', items: await items(extremes.highest) },
    ],
  };
}

describe('HTML report', () => {
  it('is self-contained, one plot div per figure, escaped', async () => {
    const input = await reportInput();
    input.title = 'Report <b>&</b> "x"';
    const html = buildReportHtml(input);
    // Assertions use ok(): a failing match would otherwise print the 10 MB page.
    assert.ok(html.startsWith('<!DOCTYPE html>'));
    const library = plotlyJsSource();
    assert.ok(html.includes(library), 'plotly.js is inlined');
    // Outside the library (whose geo defaults name a CDN it never uses here): no external resource at all.
    const page = html.replace(library, '');
    assert.ok(
      !/<script[^>]+src=|<link[^>]+href=|https?:\/\//i.test(page),
      'no external scripts, styles or URLs',
    );
    assert.ok(page.includes('<h1>Report &#60;b&#62;&#38;&#60;/b&#62; &#34;x&#34;</h1>'));
    const divs = page.match(/<div class="plot" id="plot-\d+"/g) ?? [];
    // histogram, layer usage, class heatmap, CDF, MACs vs confidence, vs difficulty, vs loss, trade-off, metrics
    assert.equal(divs.length, 9);
    assert.equal((page.match(/<img src="data:image\/png;base64,/g) ?? []).length, 8);
    // Exactly two script elements close: the library and the render script.
    assert.equal((html.match(/<\/script>/g) ?? []).length, 2);
    assert.equal((page.match(/<script>/g) ?? []).length, 2);
  });

  it('gallery fragment escapes captions', () => {
    const h = galleryHtml('<t>', [{ src: 'data:image/png;base64,AAAA', caption: ['a<b', 'c'] }]);
    assert.ok(h.includes('&#60;t&#62;') && h.includes('a&#60;b<br>c'));
  });

  it('writes atomically', async () => {
    const path = join(dir, 'report.html');
    await writeReport(path, { records: syntheticRecords(10) });
    assert.deepEqual(await readdir(dir), ['report.html']);
    assert.ok((await readFile(path, 'utf8')).endsWith('</html>\n'));
    await assert.rejects(writeReport('', { records: syntheticRecords(10) }), /writeReport: argument 'path'/);
  });

  it('renders every figure in headless Chromium without console errors', {
    skip: skipWithoutChromium,
    timeout: 60_000,
  }, async () => {
    const path = join(dir, 'browser-report.html');
    await writeReport(path, await reportInput());
    const profile = await mkdtemp(join(tmpdir(), 'bs-chromium-'));
    const context = await launchChromium(profile, { width: 1200, height: 900 });
    try {
      const page = await context.newPage();
      const errors: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error') errors.push(m.text());
      });
      page.on('pageerror', (e) => errors.push(e.message));
      const requests: string[] = [];
      page.on('request', (r) => {
        if (!r.url().startsWith('file:') && !r.url().startsWith('data:')) requests.push(r.url());
      });
      await page.goto(pathToFileURL(path).href, { waitUntil: 'load' });
      const plots = await page.locator('div.plot').count();
      assert.equal(plots, 9);
      await page.waitForFunction((n) => document.querySelectorAll('div.plot .main-svg').length >= n, plots, {
        timeout: 20_000,
      });
      const unrendered = await page.evaluate(() =>
        Array.from(document.querySelectorAll('div.plot'))
          .filter((d) => d.querySelector('.main-svg') === null || d.querySelector('.plot-container') === null)
          .map((d) => d.id),
      );
      assert.deepEqual(unrendered, []);
      // Traces actually drew something (bars, points, lines, heatmap image).
      const marks = await page.evaluate(
        () =>
          document.querySelectorAll('.plot .bars path, .plot .point, .plot .js-line, .plot .hm image').length,
      );
      assert.ok(marks > 50, `only ${marks} plotted marks`);
      const images = await page.evaluate(() =>
        Array.from(document.querySelectorAll('.bs-gallery img')).map(
          (i) => (i as HTMLImageElement).naturalWidth,
        ),
      );
      assert.deepEqual(images, new Array(8).fill(96));
      assert.deepEqual(errors, [], `console errors: ${errors.join('\n')}`);
      assert.deepEqual(requests, [], 'the report must not fetch anything');
      await mkdir('artifacts', { recursive: true });
      await page.screenshot({ path: 'artifacts/report.png', fullPage: true });
    } finally {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    }
  });
});

describe('HTML report with hostile names', () => {
  it('a class name or title holding markup shows as text, never as a script', async () => {
    const input = await reportInput();
    const evil = '</script><script>window.pwned=1</script><img src=x onerror=alert(1)>';
    input.records.meta.classes = [evil, ...(input.records.meta.classes ?? []).slice(1)];
    input.title = evil;
    const html = buildReportHtml(input).replace(plotlyJsSource(), '');
    assert.ok(!html.includes('window.pwned=1</script>'), 'the class name cannot close the script element');
    assert.ok(!html.includes('<img src=x'), 'no live markup from names');
    assert.ok(html.includes('&#60;/script&#62;&#60;script&#62;window.pwned=1'), 'the title shows as text');
    assert.equal((html.match(/<\/script>/g) ?? []).length, 2, 'still exactly the two script elements');
  });
});
