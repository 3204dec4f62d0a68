// renderNotebook / checkNotebook / runBanner: what a notebook page holds (markdown as HTML, code escaped,
// figures from the Plotly JSON and never the 10 MB HTML fallback, stderr marked, Deno's plotly.js parts
// dropped), the mode label, the refusals, and byte-identical output for the same notebook.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkNotebook, type Notebook, renderNotebook, runBanner } from '../../site/notebook_page.js';

const figure = {
  data: [{ type: 'scatter', x: [1, 2], y: [3, 4] }],
  layout: { title: { text: 'a</script>b' } },
};

function notebook(mode: 'smoke' | 'full' = 'smoke', ok = true): Notebook {
  return {
    metadata: { batch_shaping: { mode, kernel: 'tslab', seconds: 12.3, ok } },
    cells: [
      { cell_type: 'markdown', source: ['# Quick start\n', '\n', 'Some **bold** text.'] },
      {
        cell_type: 'code',
        source: 'const a = 1 < 2;',
        outputs: [
          { output_type: 'stream', name: 'stdout', text: ['x <y>\n'] },
          { output_type: 'stream', name: 'stderr', text: 'warning' },
          {
            output_type: 'display_data',
            data: {
              'application/vnd.plotly.v1+json': figure,
              'text/html': '<div class="bs-plot"><script>/* plotly.js, 10 MB */</script></div>',
              'text/plain': '<Figure>',
            },
          },
          { output_type: 'display_data', data: { 'text/html': '<table><tr><td>1</td></tr></table>' } },
          {
            output_type: 'display_data',
            data: { 'text/html': '<script>window.__batchShapingPlotlyParts=1</script>' },
          },
          { output_type: 'error', ename: 'Error', evalue: 'boom', traceback: ['\u001b[31mred\u001b[0m'] },
        ],
      },
    ],
  };
}

describe('renderNotebook', () => {
  it('renders markdown, code, streams, tables and figures from their Plotly JSON', () => {
    const r = renderNotebook(notebook(), '00_quickstart');
    assert.equal(r.title, 'Quick start');
    assert.equal(r.figures, 1);
    assert.match(r.body, /<h1>Quick start<\/h1>/);
    assert.match(r.body, /<strong>bold<\/strong>/);
    assert.match(r.body, /const a = 1 &lt; 2;/);
    assert.match(r.body, /<pre class="stream">x &lt;y&gt;/);
    assert.match(r.body, /<pre class="stream stderr">warning<\/pre>/);
    assert.match(r.body, /<table><tr><td>1<\/td><\/tr><\/table>/);
    assert.match(r.body, /<div class="bs-figure" id="00_quickstart-figure-1"><\/div>/);
    assert.ok(!r.body.includes('plotly.js, 10 MB'), 'the HTML fallback is not copied');
    assert.ok(!r.body.includes('__batchShapingPlotlyParts'), "Deno's plotly.js parts are dropped");
    assert.ok(!r.body.includes('a</script>b'), 'figure JSON cannot close its script element');
    const json = /data-figure-for="00_quickstart-figure-1">(.*?)<\/script>/.exec(r.body)![1]!;
    assert.deepEqual(JSON.parse(json), figure);
    assert.match(r.body, /Error: boom\nred/);
  });

  it('gives the same bytes for the same notebook', () => {
    assert.equal(renderNotebook(notebook(), 'n').body, renderNotebook(notebook(), 'n').body);
  });

  it('labels the mode: smoke mode says its numbers are not results', () => {
    const smoke = runBanner(notebook('smoke').metadata.batch_shaping!, 'notebooks/00_quickstart.ipynb');
    assert.match(smoke, /smoke mode/);
    assert.match(smoke, /not results/);
    const full = runBanner(notebook('full').metadata.batch_shaping!, 'notebooks/00_quickstart.ipynb');
    assert.match(full, /full configuration/);
    assert.doesNotMatch(full, /smoke/);
  });
});

describe('checkNotebook', () => {
  it('refuses a notebook without a run record, a failed run and a non-notebook, naming the file', () => {
    assert.throws(() => checkNotebook({ cells: [], metadata: {} }, 'a.ipynb'), /a\.ipynb: no run record/);
    assert.throws(() => checkNotebook(notebook('smoke', false), 'b.ipynb'), /b\.ipynb: a cell failed/);
    assert.throws(() => checkNotebook({ foo: 1 }, 'c.ipynb'), /c\.ipynb: not a Jupyter notebook/);
    assert.equal(checkNotebook(notebook(), 'd.ipynb').cells.length, 2);
  });
});
