// The gate explorer's page (explorer/index.html): the layout main.ts fills in. Static markup only; every
// number on it is computed in the browser.

import type { ExplorerTestSet } from './explorer_data.js';
import { escapeHtml } from './page_shell.js';

export function explorerBody(test: ExplorerTestSet): string {
  return `<h1>Gate explorer</h1>
<p>The shipped checkpoint <code>${escapeHtml(test.checkpoint)}</code> (${escapeHtml(test.card.model)}, top-1
${(100 * test.card.top1).toFixed(2)}% on the ${test.count.toLocaleString('en')} ${escapeHtml(test.dataset)} test images)
runs in your browser, with the library's own code bundled for it. Pick a test image, draw one, or drop a picture
on the page: the network decides, image by image, which channels of each residual block to compute
(deterministic gates, threshold 0.5), and pays only for those.</p>
<p id="status">Starting the backend...</p>
<div class="explorer">
  <section class="inputs">
    <h2>Pick an image</h2>
    <div id="gallery" class="gallery"></div>
    <p><label>test image <input id="index" type="number" min="0" value="0"></label>
    <button id="random" type="button">random test image</button></p>
    <h2>Or draw one</h2>
    <canvas id="pad" width="224" height="224" class="pad"></canvas>
    <p><button id="clear" type="button">clear</button> light strokes on black, as in Fashion-MNIST</p>
    <h2>Or drop a picture</h2>
    <div id="drop" class="drop">drop an image here, or <input id="file" type="file" accept="image/*"></div>
  </section>
  <section id="result" class="result">
    <h2>What the network does</h2>
    <div class="current-row">
      <canvas id="current" width="112" height="112" class="current"></canvas>
      <div>
        <p id="source"></p>
        <p>prediction: <strong id="prediction"></strong> (<span id="confidence"></span>) <span id="label"></span></p>
        <ol id="probs"></ol>
      </div>
    </div>
    <h3>MACs</h3>
    <p><strong id="macs"></strong>: <span id="macs-dense"></span>. <span id="macs-rank"></span></p>
    <div id="macs-histogram" class="histogram"></div>
    <h3>Open channels per block</h3>
    <p id="blocks-summary"></p>
    <div id="blocks" class="blocks"></div>
    <h3>Nearest test images of the same predicted class</h3>
    <div class="nearest">
      <div><p id="cheap-caption"></p><div id="cheap" class="gallery"></div></div>
      <div><p id="expensive-caption"></p><div id="expensive" class="gallery"></div></div>
    </div>
  </section>
</div>
<p class="note">Nearest: the smallest pixel distance among the test images the model gives the same class.
The test set's MACs were recorded by the library in Node when the site was built; your image's are computed here.
Add <code>?backend=wasm</code>, <code>webgpu</code> or <code>cpu</code> to the address to choose the backend.</p>`;
}
