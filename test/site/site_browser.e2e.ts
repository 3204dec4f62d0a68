// The built site in a real browser (Debian's Chromium, headless, driven by playwright-core), served over HTTP
// as a static host would: every page opens without a console error, a failed request or an uncaught
// exception; every figure the manifest counts is drawn by plotly.js with data in it; and the gate explorer,
// running the shipped checkpoint in the browser on tfjs's wasm backend, gives for picked test images and for
// an image it never saw (a mirrored test image, as if drawn) the prediction, the MACs and the open channels
// per block that the library computes in Node through its own evaluation path (BatchLoader + recordGates);
// and the same again on WebGPU, in a Chromium with WebGPU on (its SwiftShader adapter, no GPU needed).
// Screenshots of every page go to artifacts/site/. Build the site first: `npm run site` (or, after the
// notebooks ran, `npm run site -- --executed artifacts/notebooks`); BATCH_SHAPING_SITE names another folder,
// BATCH_SHAPING_SITE_DATA another prepared Fashion-MNIST than data/fashion-mnist.
// Run: node --import tsx --test test/site/site_browser.e2e.ts   (npm run test:site)
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import type { ExplorerTestSet } from '../../site/explorer_data.js';
import type { GateRecords } from '../../src/analysis/gate_records.js';
import { initBackend } from '../../src/backend/init_backend.js';
import type { Batch } from '../../src/data/batch_loader.js';
import { BatchLoader } from '../../src/data/batch_loader.js';
import { readMeta } from '../../src/data/meta_file.js';
import { createTransform } from '../../src/data/transform_spec.js';
import { recordGates } from '../../src/train/gate_recorder.js';
import { loadPretrained } from '../../src/train/pretrained.js';
import { launchChromium, skipWithoutChromium } from '../helpers/chromium.js';
import { serveFolder } from '../helpers/static_server.js';

const SITE = resolve(process.env.BATCH_SHAPING_SITE ?? '_site');
const SHOTS = resolve('artifacts', 'site');
/** Test images the explorer is asked for; all in the first evaluation batch of 500. */
const PICKED = [0, 7, 123, 499];

interface Manifest {
  pages: { path: string; title: string; figures: number; mode?: string }[];
  explorer: { path: string; checkpoint: string; testImages: number };
}

interface Shown {
  index: number;
  explanation: {
    prediction: number;
    probs: number[];
    macs: number;
    blocks: { name: string; open: number[] }[];
  };
  dom: { prediction: string; macs: string; open: string; index: string };
}

/** What the library computes in Node for the first 500 test images, through its evaluation path. */
async function nodeReference(test: ExplorerTestSet): Promise<GateRecords> {
  await initBackend('wasm');
  const { model } = await loadPretrained(test.checkpoint);
  try {
    const dataDir = resolve(process.env.BATCH_SHAPING_SITE_DATA ?? 'data/fashion-mnist');
    const meta = await readMeta(dataDir);
    const loader = new BatchLoader(dataDir, meta, {
      split: 'test',
      batchSize: 500,
      shuffle: false,
      transform: test.evalTransform,
    });
    return await recordGates(model, { batches: loader.epoch(0), total: 500 }, { maxSamples: 500 });
  } finally {
    model.dispose();
  }
}

/** The same for images the test set does not hold: uint8 pixels through the dataset's transform, one batch. */
async function nodeOnPixels(test: ExplorerTestSet, pixels: Uint8Array): Promise<GateRecords> {
  await initBackend('wasm');
  const { model } = await loadPretrained(test.checkpoint);
  try {
    const transform = createTransform({
      ...test.evalTransform,
      normalization: { mean: test.mean, std: test.std },
    });
    const shape = transform.outputShape(test.imageShape);
    const image = new Float32Array(shape[0] * shape[1] * shape[2]);
    transform.apply({ image: pixels, shape: test.imageShape }, { image }, undefined as never);
    const batch: Batch = {
      epoch: 0,
      step: 0,
      size: 1,
      images: image,
      imageShape: [1, ...shape],
      labels: new Int32Array([0]),
      ids: ['unseen'],
    };
    return await recordGates(model, { batches: [batch], total: 1 }, {});
  } finally {
    model.dispose();
  }
}

function checkAgainst(records: GateRecords, row: number, shown: Shown, what: string): void {
  const layers = records.meta.layers.length;
  assert.equal(shown.explanation.prediction, records.predictions[row], `${what}: prediction`);
  assert.equal(shown.explanation.macs, records.macs[row], `${what}: MACs`);
  const open = shown.explanation.blocks.map((b) => b.open.filter((v) => v > 0).length);
  assert.deepEqual(
    open,
    Array.from(records.activeCounts.subarray(row * layers, (row + 1) * layers)),
    `${what}: open channels`,
  );
  const p = shown.explanation.probs[shown.explanation.prediction]!;
  assert.ok(
    Math.abs(p - records.confidences[row]!) < 1e-5,
    `${what}: confidence ${p} vs ${records.confidences[row]}`,
  );
  // The page shows the same numbers it returned.
  assert.equal(shown.dom.prediction, String(records.predictions[row]), `${what}: data-prediction`);
  assert.equal(Number(shown.dom.macs), records.macs[row], `${what}: data-macs`);
  assert.equal(shown.dom.open, open.join(','), `${what}: data-open`);
}

describe('the site in headless Chromium', { skip: skipWithoutChromium }, () => {
  let context: BrowserContext;
  let url: string;
  let close: () => void;
  let profile: string;
  let manifest: Manifest;

  before(async () => {
    if (!existsSync(join(SITE, 'manifest.json'))) {
      throw new Error(`${SITE}/manifest.json is missing: build the site first (npm run site)`);
    }
    manifest = JSON.parse(readFileSync(join(SITE, 'manifest.json'), 'utf8')) as Manifest;
    const served = await serveFolder(SITE);
    url = served.url;
    close = () => served.server.close();
    profile = mkdtempSync(join(tmpdir(), 'bs-site-chromium-'));
    context = await launchChromium(profile, { width: 1280, height: 900 });
    mkdirSync(SHOTS, { recursive: true });
  });

  after(async () => {
    await context?.close();
    close?.();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  /** Opens a page and records its console errors, uncaught exceptions and failed requests. */
  async function open(path: string, ctx = context): Promise<{ page: Page; problems: string[] }> {
    const page = await ctx.newPage();
    const problems: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console error: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`uncaught: ${e.message}`));
    page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()} (${r.failure()?.errorText})`));
    page.on('response', (r) => {
      if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.url()}`);
    });
    await page.goto(url + path, { waitUntil: 'load' });
    return { page, problems };
  }

  it('opens every page without errors and every figure is drawn with data', {
    timeout: 300_000,
  }, async () => {
    const figurePages = manifest.pages.filter((p) => p.path !== manifest.explorer.path);
    const notebooks = readdirSync('notebooks').filter((f) => /^\d\d_.*\.ipynb$/.test(f));
    for (const f of notebooks) {
      const path = `notebooks/${f.replace(/\.ipynb$/, '.html')}`;
      assert.ok(
        figurePages.some((p) => p.path === path),
        `the site lacks ${path}`,
      );
    }
    for (const p of figurePages) {
      const { page, problems } = await open(p.path);
      await page.waitForFunction(
        () =>
          Array.from(document.querySelectorAll('div.bs-figure')).every(
            (d) => d.hasAttribute('data-drawn') || d.hasAttribute('data-error'),
          ),
        undefined,
        { timeout: 120_000 },
      );
      const figures = await page.evaluate(() =>
        Array.from(document.querySelectorAll('div.bs-figure')).map((d) => {
          const data = (d as unknown as { data?: Record<string, unknown>[] }).data ?? [];
          const points = data.map((t) =>
            ['x', 'y', 'z', 'values', 'r', 'cells'].reduce((n, k) => {
              const v = t[k] as unknown;
              return n + (Array.isArray(v) || ArrayBuffer.isView(v) ? (v as ArrayLike<unknown>).length : 0);
            }, 0),
          );
          return {
            id: d.id,
            error: d.getAttribute('data-error'),
            traces: data.length,
            points: points.reduce((a, b) => a + b, 0),
            svg: d.querySelector('.main-svg') !== null,
          };
        }),
      );
      assert.equal(figures.length, p.figures, `${p.path}: figures on the page vs the manifest`);
      for (const f of figures) {
        assert.equal(f.error, null, `${p.path} ${f.id}: ${f.error}`);
        assert.ok(
          f.traces > 0 && f.points > 0 && f.svg,
          `${p.path} ${f.id}: no data drawn (${JSON.stringify(f)})`,
        );
      }
      if (p.mode === 'smoke') {
        assert.match(
          (await page.locator('.banner.smoke').textContent()) ?? '',
          /smoke mode/,
          `${p.path}: smoke banner`,
        );
      }
      await page.screenshot({
        path: join(SHOTS, `${p.path.replace(/\//g, '_').replace(/\.html$/, '')}.png`),
        fullPage: true,
      });
      assert.deepEqual(problems, [], `${p.path}: ${problems.join('; ')}`);
      await page.close();
    }
  });

  let referenceRun: ReturnType<typeof nodeReference> | undefined;

  /** Drives the explorer on `backend` in `ctx` and compares everything it shows with the Node library. */
  async function checkExplorer(backend: 'wasm' | 'webgpu', ctx: BrowserContext): Promise<void> {
    const test = JSON.parse(readFileSync(join(SITE, 'explorer', 'test-set.json'), 'utf8')) as ExplorerTestSet;
    const all = readFileSync(join(SITE, 'explorer', 'test-images.bin'));
    const [h, w] = test.imageShape;
    const size = h * w;
    // Test image 42 mirrored left to right: an image the test set does not hold.
    const mirrored = new Uint8Array(size);
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) mirrored[y * w + x] = all[42 * size + y * w + (w - 1 - x)]!;
    const suffix = backend === 'wasm' ? '' : `-${backend}`;

    const { page, problems } = await open(`${manifest.explorer.path}?backend=${backend}`, ctx);
    await page.waitForFunction(
      () => document.body.dataset.ready === 'true' || document.querySelector('#status.error'),
      undefined,
      {
        timeout: 180_000,
      },
    );
    assert.equal(
      await page.locator('#status.error').count(),
      0,
      (await page.locator('#status').textContent()) ?? '',
    );
    assert.match(
      (await page.locator('#status').textContent()) ?? '',
      new RegExp(`on ${backend} .*digest verified`),
    );
    const shownOf = async (call: string, arg: number | number[]): Promise<Shown> =>
      page.evaluate(
        async ([c, a]) => {
          const api = (
            globalThis as unknown as { gateExplorer: Record<string, (x: unknown) => Promise<Shown>> }
          ).gateExplorer;
          const s = await api[c as string]!(Array.isArray(a) ? new Uint8Array(a) : a);
          const r = document.getElementById('result')!.dataset;
          return {
            index: s.index,
            explanation: s.explanation,
            dom: { prediction: r.prediction!, macs: r.macs!, open: r.open!, index: r.index! },
          };
        },
        [call, arg] as const,
      );
    referenceRun ??= nodeReference(test);
    const picked = await referenceRun;
    for (const i of PICKED) {
      const shown = await shownOf('pick', i);
      assert.equal(shown.dom.index, String(i));
      checkAgainst(picked, i, shown, `test image ${i}`);
      // The MACs recorded at build time for the histogram are the same numbers.
      assert.equal(shown.explanation.macs, test.macs[i], `test image ${i}: test-set.json MACs`);
    }
    // Clicking a gallery thumbnail goes through the same path.
    const thumb = page.locator('#gallery canvas.thumb').nth(3);
    const thumbIndex = await thumb.getAttribute('data-index');
    await thumb.click();
    await page.waitForFunction((i) => document.getElementById('result')!.dataset.index === i, thumbIndex);
    await page.screenshot({ path: join(SHOTS, `explorer${suffix}.png`), fullPage: true });
    const drawn = await shownOf('showPixels', Array.from(mirrored));
    assert.equal(drawn.dom.index, '-1');
    checkAgainst(await nodeOnPixels(test, mirrored), 0, drawn, 'mirrored test image 42');
    // The nearest cheap and expensive images are shown (same predicted class, by construction of the lists).
    for (const id of ['cheap', 'expensive']) {
      const indices = await page
        .locator(`#${id} canvas.thumb`)
        .evaluateAll((els) => els.map((e) => Number((e as HTMLElement).dataset.index)));
      assert.ok(indices.length > 0, `#${id}: no nearest images`);
      for (const k of indices)
        assert.equal(test.predictions[k], drawn.explanation.prediction, `#${id}: image ${k}'s class`);
    }
    await page.screenshot({ path: join(SHOTS, `explorer-mirrored${suffix}.png`), fullPage: true });
    if (backend === 'wasm') {
      // A stroke drawn with the mouse on the pad, then a picture opened from disk (the README's trade-off figure:
      // a light background, so the page inverts it): the page's own pixels give the library's numbers.
      await page.locator('#pad').scrollIntoViewIfNeeded();
      const pad = (await page.locator('#pad').boundingBox())!;
      await page.mouse.move(pad.x + pad.width * 0.3, pad.y + pad.height * 0.2);
      await page.mouse.down();
      await page.mouse.move(pad.x + pad.width * 0.5, pad.y + pad.height * 0.8, { steps: 12 });
      await page.mouse.move(pad.x + pad.width * 0.7, pad.y + pad.height * 0.2, { steps: 12 });
      await page.mouse.up();
      await page.waitForFunction(() => document.getElementById('source')!.textContent === 'your drawing');
      await page.screenshot({ path: join(SHOTS, 'explorer-drawn.png'), fullPage: true });
      for (const [what, done] of [
        ['the drawing', async () => {}],
        [
          'an opened picture',
          async () => {
            await page.locator('#file').setInputFiles(join('docs', 'figures', 'tradeoff.png'));
            await page.waitForFunction(() =>
              /tradeoff\.png \(inverted/.test(document.getElementById('source')!.textContent ?? ''),
            );
          },
        ],
      ] as const) {
        await done();
        const now = await page.evaluate(() => {
          const s = (
            globalThis as unknown as { gateExplorer: { current(): Shown & { pixels: number[] } } }
          ).gateExplorer.current();
          const r = document.getElementById('result')!.dataset;
          return {
            ...s,
            dom: { prediction: r.prediction!, macs: r.macs!, open: r.open!, index: r.index! },
          };
        });
        assert.ok(
          now.pixels.some((v) => v > 0),
          `${what}: the page's pixels are not all black`,
        );
        checkAgainst(await nodeOnPixels(test, Uint8Array.from(now.pixels)), 0, now, what);
      }
    }
    assert.deepEqual(problems, [], problems.join('; '));
    await page.close();
  }

  it("the explorer's numbers equal the library's in Node for picked and drawn images (wasm)", {
    timeout: 300_000,
  }, async () => {
    await checkExplorer('wasm', context);
  });

  it("the same on WebGPU (Chromium's software adapter), which the page does not pick by itself", {
    timeout: 300_000,
  }, async () => {
    const gpuProfile = mkdtempSync(join(tmpdir(), 'bs-site-chromium-webgpu-'));
    const gpu = await launchChromium(gpuProfile, { width: 1280, height: 900 }, { webgpu: true });
    try {
      const { page, problems } = await open(manifest.explorer.path, gpu);
      await page.waitForFunction(
        () => document.body.dataset.ready === 'true' || document.querySelector('#status.error'),
        undefined,
        { timeout: 180_000 },
      );
      // A software (fallback) adapter is slower than wasm: without ?backend the page keeps wasm, and says why.
      assert.match(
        (await page.locator('#status').textContent()) ?? '',
        /on wasm \(no hardware WebGPU adapter/,
      );
      assert.deepEqual(problems, [], problems.join('; '));
      await page.close();
      await checkExplorer('webgpu', gpu);
    } finally {
      await gpu.close();
      rmSync(gpuProfile, { recursive: true, force: true });
    }
  });
});
