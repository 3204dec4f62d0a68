// The gate explorer page: the shipped Fashion-MNIST checkpoint runs in the reader's browser on a test image
// they pick (or draw, or drop in) and the page shows the prediction, each gated block's open channels, the
// image's MACs against the dense network and against the test set's distribution, and the nearest cheap and
// expensive test images of the same predicted class. Every number comes from the library's modules bundled
// for the browser (explain.ts); test-set.json holds the test set's MACs recorded by the library in Node when
// the site was built. window.gateExplorer lets the site's browser test drive the page.
import { modelFromCheckpointBytes } from '../../src/models/checkpoint_bytes.js';
import type { GatedModel } from '../../src/models/model_types.js';
import type { ExplorerTestSet } from '../explorer_data.js';
import { initBrowserBackend } from './browser_backend.js';
import { type Explanation, explainImage } from './explain.js';
import { attachDrawPad, attachImageDrop, canvasToPixels, paintPixels } from './image_input.js';
import { nearestCheapAndExpensive } from './nearest.js';

interface PlotlyLike {
  react(el: HTMLElement, data: unknown[], layout: unknown, config: unknown): Promise<unknown>;
}
declare const Plotly: PlotlyLike;

/** What the page shows now, for the browser test: index (-1 for a drawn or dropped image) and the numbers. */
export interface ShownImage {
  index: number;
  source: string;
  /** The image's uint8 pixels as the model got them. */
  pixels: number[];
  explanation: Explanation;
}

const $ = <T extends HTMLElement>(id: string) => {
  const el = document.getElementById(id);
  if (el === null) throw new Error(`explorer: the page lacks #${id}`);
  return el as T;
};

function mmac(macs: number): string {
  return `${(macs / 1e6).toFixed(3)} MMAC`;
}

function thumbnail(test: ExplorerTestSet, images: Uint8Array, i: number, onPick: (i: number) => void) {
  const [h, w] = test.imageShape;
  const c = document.createElement('canvas');
  c.width = 56;
  c.height = 56;
  c.className = 'thumb';
  c.title = `test image ${i}: ${test.classes[test.labels[i]!]}, ${mmac(test.macs[i]!)}`;
  c.dataset.index = String(i);
  paintPixels(c, images.subarray(i * h * w, (i + 1) * h * w), w, h);
  c.addEventListener('click', () => onPick(i));
  return c;
}

function histogram(test: ExplorerTestSet, macs: number): void {
  const fraction = test.macs.filter((m) => m <= macs).length / test.count;
  $('macs-rank').textContent =
    `${(100 * fraction).toFixed(1)}% of the ${test.count.toLocaleString('en')} test images cost at most as much.`;
  void Plotly.react(
    $('macs-histogram'),
    [
      {
        type: 'histogram',
        x: test.macs.map((m) => m / 1e6),
        nbinsx: 60,
        name: 'test images',
        marker: { color: '#8fa8c8' },
      },
    ],
    {
      title: { text: 'MACs per image over the test set' },
      xaxis: { title: { text: 'MMAC' } },
      yaxis: { title: { text: 'images' } },
      shapes: [
        {
          type: 'line',
          x0: macs / 1e6,
          x1: macs / 1e6,
          yref: 'paper',
          y0: 0,
          y1: 1,
          line: { color: '#c0392b', width: 3 },
        },
      ],
      annotations: [
        { x: macs / 1e6, yref: 'paper', y: 1, text: 'this image', showarrow: false, yanchor: 'bottom' },
      ],
      margin: { t: 40, r: 10, b: 45, l: 50 },
      height: 260,
    },
    { displaylogo: false, responsive: true },
  );
}

function blocksView(test: ExplorerTestSet, e: Explanation): void {
  const root = $('blocks');
  root.replaceChildren();
  for (const b of e.blocks) {
    const open = b.open.filter((v) => v > 0).length;
    const row = document.createElement('div');
    row.className = 'block';
    row.dataset.block = b.name;
    row.dataset.open = String(open);
    const label = document.createElement('span');
    label.className = 'block-name';
    label.textContent = `${b.name.replace(/\.gate$/, '')}: ${open}/${b.open.length}`;
    const cells = document.createElement('span');
    cells.className = 'cells';
    for (const v of b.open) {
      const cell = document.createElement('i');
      cell.className = v > 0 ? 'on' : 'off';
      cells.append(cell);
    }
    row.append(label, cells);
    root.append(row);
  }
  const total = e.blocks.reduce((a, b) => a + b.open.length, 0);
  const on = e.blocks.reduce((a, b) => a + b.open.filter((v) => v > 0).length, 0);
  $('blocks-summary').textContent =
    `${on} of ${total} gated channels open over ${test.blocks.length} blocks.`;
}

async function main(): Promise<void> {
  const status = $('status');
  const params = new URLSearchParams(location.search);
  const backend = await initBrowserBackend(new URL('wasm/', location.href).href, params.get('backend'));
  status.textContent = `Loading the checkpoint and the test set (backend: ${backend.name}, ${backend.why})...`;
  const [testSet, images, weights] = await Promise.all([
    fetch('test-set.json').then((r) =>
      r.ok ? r.json() : Promise.reject(new Error(`test-set.json: HTTP ${r.status}`)),
    ),
    fetch('test-images.bin').then((r) =>
      r.ok ? r.arrayBuffer() : Promise.reject(new Error(`test-images.bin: HTTP ${r.status}`)),
    ),
    fetch('model.safetensors').then((r) =>
      r.ok ? r.arrayBuffer() : Promise.reject(new Error(`model.safetensors: HTTP ${r.status}`)),
    ),
  ]);
  const test = testSet as ExplorerTestSet;
  const pixelsAll = new Uint8Array(images as ArrayBuffer);
  const [h, w, c] = test.imageShape;
  const size = h * w * c;
  if (pixelsAll.length !== test.count * size) {
    throw new Error(
      `explorer: test-images.bin holds ${pixelsAll.length} bytes; expected ${test.count} x ${size}`,
    );
  }
  const loaded = await modelFromCheckpointBytes(new Uint8Array(weights as ArrayBuffer), 'model.safetensors');
  const model: GatedModel = loaded.model;
  status.textContent =
    `${test.checkpoint} on ${backend.name} (${backend.why}); checkpoint digest ` +
    `${loaded.verified ? 'verified' : 'absent'}. Test top-1 ${(100 * test.card.top1).toFixed(2)}%, ` +
    `mean ${mmac(test.card.meanMacs)} against ${mmac(test.denseMacs)} dense.`;

  let busy = Promise.resolve();
  let shown: ShownImage | undefined;
  const show = (pixels: Uint8Array, index: number, source: string): Promise<ShownImage> => {
    const run = busy.then(async () => {
      const e = await explainImage(model, pixels, test);
      paintPixels($<HTMLCanvasElement>('current'), pixels, w, h);
      $('source').textContent = source;
      $('prediction').textContent = test.classes[e.prediction]!;
      $('confidence').textContent = `${(100 * e.probs[e.prediction]!).toFixed(1)}%`;
      $('label').textContent = index >= 0 ? `label: ${test.classes[test.labels[index]!]}` : '';
      $<HTMLInputElement>('index').value = index >= 0 ? String(index) : '';
      $('macs').textContent = mmac(e.macs);
      $('macs-dense').textContent =
        `${(100 * (e.macs / test.denseMacs)).toFixed(1)}% of the dense network's ${mmac(test.denseMacs)} ` +
        `(gate modules ${mmac(test.gateMacs)} included)`;
      const probsRoot = $('probs');
      probsRoot.replaceChildren();
      const order = e.probs.map((p, k) => [p, k] as const).sort((a, b) => b[0] - a[0]);
      for (const [p, k] of order.slice(0, 3)) {
        const li = document.createElement('li');
        li.textContent = `${test.classes[k]}: ${(100 * p).toFixed(1)}%`;
        probsRoot.append(li);
      }
      histogram(test, e.macs);
      blocksView(test, e);
      const near = nearestCheapAndExpensive(
        { pixels, predicted: e.prediction },
        { images: pixelsAll, size, predictions: test.predictions, macs: test.macs },
        index >= 0 ? { exclude: index } : {},
      );
      $('cheap').replaceChildren(...near.cheap.map((i) => thumbnail(test, pixelsAll, i, pick)));
      $('expensive').replaceChildren(...near.expensive.map((i) => thumbnail(test, pixelsAll, i, pick)));
      $('cheap-caption').textContent = `cheapest 20% (at most ${mmac(near.cheapBelow)})`;
      $('expensive-caption').textContent = `costliest 20% (at least ${mmac(near.expensiveAbove)})`;
      const result = $('result');
      result.dataset.index = String(index);
      result.dataset.prediction = String(e.prediction);
      result.dataset.macs = String(e.macs);
      result.dataset.open = e.blocks.map((b) => b.open.filter((v) => v > 0).length).join(',');
      shown = { index, source, pixels: Array.from(pixels), explanation: e };
      return shown;
    });
    busy = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  };
  const pick = (i: number): Promise<ShownImage> => {
    if (!Number.isInteger(i) || i < 0 || i >= test.count) {
      return Promise.reject(new Error(`explorer: test image index must be 0..${test.count - 1}; got ${i}`));
    }
    return show(pixelsAll.slice(i * size, (i + 1) * size), i, `test image ${i} (${test.ids[i]})`);
  };

  // The gallery: the first three test images of each class.
  const gallery = $('gallery');
  for (let k = 0; k < test.classes.length; k++) {
    let n = 0;
    for (let i = 0; i < test.count && n < 3; i++) {
      if (test.labels[i] === k) {
        gallery.append(thumbnail(test, pixelsAll, i, pick));
        n++;
      }
    }
  }
  const indexInput = $<HTMLInputElement>('index');
  indexInput.max = String(test.count - 1);
  indexInput.addEventListener('change', () => void pick(Number(indexInput.value)).catch(report));
  $('random').addEventListener(
    'click',
    () => void pick(Math.floor(Math.random() * test.count)).catch(report),
  );
  const pad = $<HTMLCanvasElement>('pad');
  const clearPad = attachDrawPad(pad, (canvas) => {
    void show(canvasToPixels(canvas, w, h, false).pixels, -1, 'your drawing').catch(report);
  });
  $('clear').addEventListener('click', clearPad);
  attachImageDrop(
    $('drop'),
    $<HTMLInputElement>('file'),
    (img, name) => {
      const { pixels, inverted } = canvasToPixels(img, w, h, 'auto');
      void show(pixels, -1, `${name}${inverted ? ' (inverted: light background)' : ''}`).catch(report);
    },
    report,
  );
  const api = {
    pick,
    showPixels: (pixels: Uint8Array) => show(pixels, -1, 'pixels from a script'),
    current: () => shown,
    backend: backend.name,
  };
  (globalThis as { gateExplorer?: typeof api }).gateExplorer = api;
  await pick(0);
  document.body.dataset.ready = 'true';
}

function report(err: unknown): void {
  const msg = err instanceof Error ? err.message : String(err);
  const el = document.getElementById('status');
  if (el !== null) {
    el.textContent = msg;
    el.className = 'error';
  }
  console.error(err);
}

main().catch(report);
