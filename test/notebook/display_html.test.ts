// Tables and image galleries through the (stand-in) tslab display, and the real tslab's public API shape.
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { showImages, showTable, tableHtml } from '../../src/notebook/display_html.js';
import { setTslabBridge, type TslabDisplay } from '../../src/notebook/tslab_bridge.js';

afterEach(() => setTslabBridge());

function capture(): { sent: string[]; display: TslabDisplay } {
  const sent: string[] = [];
  return { sent, display: { html: (s) => sent.push(s), text: () => {}, png: () => {}, raw: () => {} } };
}

describe('HTML displays', () => {
  it('tables: union of columns, numbers formatted, text escaped', () => {
    const h = tableHtml(
      [
        { layer: 'a<b', on: 3 },
        { layer: 'c', frac: 0.123456 },
      ],
      'usage',
    );
    assert.match(h, /<caption[^>]*>usage<\/caption>/);
    assert.equal((h.match(/<th /g) ?? []).length, 3);
    assert.ok(h.includes('a&#60;b') && h.includes('>0.1235<') && h.includes('>3<'));
    const c = capture();
    setTslabBridge({ tslab: { display: c.display, newDisplay: () => c.display } });
    showTable([{ a: 1 }]);
    assert.equal(c.sent.length, 1);
  });

  it('images: PNG data URLs, upscaled to the minimum side', async () => {
    const c = capture();
    setTslabBridge({ tslab: { display: c.display, newDisplay: () => c.display } });
    const pixels = new Uint8Array(8 * 8 * 3).map((_, i) => (i * 37) % 256);
    await showImages('two', [
      { image: { pixels, shape: [8, 8, 3] }, caption: ['first'] },
      { image: { pixels, shape: [8, 8, 3] }, caption: ['second'] },
    ]);
    const html = c.sent[0]!;
    const urls = html.match(/data:image\/png;base64,[A-Za-z0-9+/=]+/g) ?? [];
    assert.equal(urls.length, 2);
    const png = Buffer.from(urls[0]!.split(',')[1]!, 'base64');
    // PNG signature, then IHDR width/height (big-endian) = 8 * ceil(96 / 8) = 96.
    assert.deepEqual([...png.subarray(1, 4)], [0x50, 0x4e, 0x47]);
    assert.equal(png.readUInt32BE(16), 96);
    assert.equal(png.readUInt32BE(20), 96);
  });

  it('the real tslab has the API the bridge relies on (display, newDisplay, kernel writer slot)', async () => {
    const { createRequire } = await import('node:module');
    const require = createRequire(import.meta.url);
    const tslab = require('tslab');
    assert.equal(typeof tslab.display.html, 'function');
    assert.equal(typeof tslab.display.raw, 'function');
    assert.equal(typeof tslab.newDisplay, 'function');
    const jupyter = require('tslab/dist/jupyter');
    // Outside a kernel the writer slot exists but is empty.
    assert.ok('lastWriteDisplayData' in jupyter);
    assert.equal(jupyter.lastWriteDisplayData, null);
    // ... and a display there fails with our explanation instead of tslab's bare 'Not ready'.
    assert.throws(() => showTable([{ a: 1 }]), /showTable|not inside a running tslab cell/);
  });
});
