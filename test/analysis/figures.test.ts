// Figure builders: structural checks against the statistics they draw, plus JSON snapshots
// (test/fixtures/analysis/figures/*.json). Regenerate after an intended change with
//   UPDATE_SNAPSHOTS=1 node scripts/run-tests.mjs test/analysis/figures
// and review the diff. Builders round to 6 significant digits, so snapshots do not move with float noise.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { tradeoffCurve } from '../../src/analysis/accuracy_macs_tradeoff.js';
import { cdfVsPriorFigure } from '../../src/analysis/figures/cdf_vs_prior_figure.js';
import { classGateHeatmapFigure } from '../../src/analysis/figures/class_gate_heatmap.js';
import { latencyVsMacsFigure } from '../../src/analysis/figures/latency_vs_macs_figure.js';
import { layerUsageFigure } from '../../src/analysis/figures/layer_usage_figure.js';
import { macsHistogramFigure } from '../../src/analysis/figures/macs_histogram.js';
import { macsVsConfidenceFigure } from '../../src/analysis/figures/macs_vs_confidence_figure.js';
import { macsVsDifficultyFigure } from '../../src/analysis/figures/macs_vs_difficulty_figure.js';
import type { PlotlyFigure } from '../../src/analysis/figures/plotly_figure.js';
import { tradeoffFigure } from '../../src/analysis/figures/tradeoff_figure.js';
import { classGateFrequency, layerGateUsage } from '../../src/analysis/gate_frequency.js';
import { macsVsDifficulty } from '../../src/analysis/macs_statistics.js';
import { cdfVsPrior, linearGrid } from '../../src/analysis/probability_cdf.js';
import { recordsFigures } from '../../src/analysis/records_figures.js';
import { syntheticRecords } from './synthetic_records.js';

const SNAPSHOT_DIR = new URL('../fixtures/analysis/figures/', import.meta.url);

function matchSnapshot(name: string, figure: PlotlyFigure): void {
  const file = new URL(`${name}.json`, SNAPSHOT_DIR);
  const text = `${JSON.stringify(figure, null, 1)}\n`;
  if (process.env.UPDATE_SNAPSHOTS === '1' || !existsSync(file)) {
    if (process.env.CI && !existsSync(file))
      assert.fail(`snapshot ${name}.json is missing (run with UPDATE_SNAPSHOTS=1)`);
    mkdirSync(SNAPSHOT_DIR, { recursive: true });
    writeFileSync(file, text);
    return;
  }
  assert.deepEqual(
    JSON.parse(text),
    JSON.parse(readFileSync(file, 'utf8')),
    `figure ${name} differs from its snapshot`,
  );
}

const records = syntheticRecords();
type Trace = Record<string, unknown> & { x: number[]; y: number[] };
const traces = (f: PlotlyFigure) => f.data as Trace[];

describe('figure builders', () => {
  it('MACs histogram: counts add up to the samples, split by correctness', () => {
    const f = macsHistogramFigure(records, { bins: 12 });
    const [right, wrong] = traces(f);
    const sum = (a: number[]) => a.reduce((s, v) => s + v, 0);
    let nRight = 0;
    for (let i = 0; i < records.count; i++) if (records.predictions[i] === records.labels[i]) nRight++;
    assert.equal(sum(right!.y), nRight);
    assert.equal(sum(wrong!.y), records.count - nRight);
    assert.equal(right!.x.length, 12);
    // Dense cost (5000 + 4*1000 + 6*2000 + 8*4000 + 100 gate MACs) drawn as the dashed line, in KMACs.
    const shape = (f.layout.shapes as { x0: number }[])[0]!;
    assert.equal(shape.x0, 53.1);
    matchSnapshot('macs_histogram', f);
  });

  it('per-layer stacked bars equal the usage statistics', () => {
    const usage = layerGateUsage(records);
    const f = layerUsageFigure(usage);
    const [on, cond, off] = traces(f);
    usage.forEach((u, l) => {
      assert.equal(on!.y[l]! + cond!.y[l]! + off!.y[l]!, u.channels);
      // By construction channel 0 is always on and the last channel always off.
      assert.ok(on!.y[l]! >= 1 && off!.y[l]! >= 1);
    });
    matchSnapshot('layer_usage', f);
  });

  it('per-class heatmap, gate and layer level', () => {
    const freq = classGateFrequency(records);
    const g = classGateHeatmapFigure(freq, records.meta.layers);
    const z = (g.data[0] as { z: number[][] }).z;
    assert.equal(z.length, 3);
    assert.equal(z[0]!.length, 18);
    assert.deepEqual(
      z.map((row) => [row[0], row[17]]),
      [
        [1, 0],
        [1, 0],
        [1, 0],
      ],
    );
    assert.equal((g.layout.shapes as unknown[]).length, 2);
    matchSnapshot('class_gate_heatmap', g);
    const l = classGateHeatmapFigure(freq, records.meta.layers, { level: 'layer' });
    assert.deepEqual((l.data[0] as { x: string[] }).x, ['layer1.0.gate', 'layer2.0.gate', 'layer3.0.gate']);
    matchSnapshot('class_layer_heatmap', l);
  });

  it('CDF vs prior', () => {
    const grid = linearGrid(21);
    const cdf = cdfVsPrior(records.probs!, grid, grid);
    const f = cdfVsPriorFigure(cdf, 'Uniform(0, 1)');
    const [emp, prior] = traces(f);
    assert.equal(emp!.y[0], 0);
    assert.equal(emp!.y[20], 1);
    assert.deepEqual(
      prior!.y,
      grid.map((v) => Number(v.toPrecision(6))),
    );
    matchSnapshot('cdf_vs_prior', f);
  });

  it('MACs vs confidence scatter, thinned deterministically', () => {
    const f = macsVsConfidenceFigure(records);
    assert.equal(
      traces(f).reduce((a, t) => a + t.x.length, 0),
      records.count,
    );
    const thin = macsVsConfidenceFigure(records, { maxPoints: 20 });
    assert.equal(
      traces(thin).reduce((a, t) => a + t.x.length, 0),
      20,
    );
    matchSnapshot('macs_vs_confidence', f);
  });

  it('MACs vs difficulty', () => {
    const stats = macsVsDifficulty(records, { bins: 5 });
    assert.ok(stats.spearman > 0.5, `harder samples open more gates by construction; rho ${stats.spearman}`);
    const f = macsVsDifficultyFigure(stats);
    assert.equal(traces(f)[0]!.x.length, 5);
    matchSnapshot('macs_vs_difficulty', f);
  });

  it('accuracy vs MACs with dense baselines', () => {
    const curve = tradeoffCurve([
      { name: 'epoch 10', accuracy: 0.8, macs: 30e6 },
      { name: 'epoch 20', accuracy: 0.86, macs: 25e6 },
      { name: 'epoch 30', accuracy: 0.85, macs: 28e6 },
    ]);
    const f = tradeoffFigure(curve, [{ name: 'resnet20 dense', accuracy: 0.88, macs: 41e6 }]);
    assert.equal(f.data.length, 3);
    assert.deepEqual(traces(f)[1]!.x, [25]);
    assert.equal((f.layout.xaxis as { title: { text: string } }).title.text, 'mean MMACs per sample');
    matchSnapshot('tradeoff', f);
  });

  it('recordsFigures: the standard set, with heatmap and CDF scaled down for large records', () => {
    const grid = linearGrid(11);
    const prior = { name: 'Uniform', grid, cdf: grid };
    const all = recordsFigures(records, { prior });
    assert.deepEqual(
      all.map((f) => f.key),
      [
        'macs-histogram',
        'layer-usage',
        'class-gate-heatmap',
        'cdf-vs-prior',
        'macs-vs-confidence',
        'macs-vs-difficulty',
        'macs-vs-loss',
      ],
    );
    const small = recordsFigures(records, { prior, maxHeatmapCells: 10, maxCdfValues: 100 });
    const heat = small.find((f) => f.key === 'class-gate-heatmap')!.figure;
    assert.deepEqual(
      (heat.data[0] as { x: string[] }).x,
      records.meta.layers.map((l) => l.name),
    );
    const cdf = small.find((f) => f.key === 'cdf-vs-prior')!.figure;
    // 60 samples x 18 gates = 1080 values, every 11th kept.
    assert.match((cdf.data[0] as { name: string }).name, /n = 99\)/);
  });

  it('constant MACs (every gate on): one populated bin around the value, rho reported as undefined', () => {
    const flat = { ...syntheticRecords(20), macs: new Float64Array(20).fill(657e3) };
    const [right, wrong] = traces(macsHistogramFigure(flat, { bins: 5 }));
    const counts = right!.y.map((v, b) => v + wrong!.y[b]!);
    assert.deepEqual(counts, [0, 0, 20, 0, 0]);
    assert.equal(right!.x[2], 657);
    const title = (macsVsDifficultyFigure(macsVsDifficulty(flat)).layout.title as { text: string }).text;
    assert.match(title, /Spearman rho undefined: constant values/);
  });

  it('latency vs MACs: one point per sample per execution, the proportional line through the masked median', () => {
    // Dense 2 GMACs; masked median 100 ms: the proportional line runs from (0.5 G, 25 ms) to (2 G, 100 ms).
    const points = [
      { macs: 0.5e9, ms: 40, maskedMs: 99 },
      { macs: 1e9, ms: 60, maskedMs: 100 },
      { macs: 1.5e9, ms: 80, maskedMs: 102 },
    ];
    const f = latencyVsMacsFigure(points, 2e9);
    const [skip, masked, line] = traces(f);
    assert.deepEqual(skip!.x, [0.5, 1, 1.5]);
    assert.deepEqual(skip!.y, [40, 60, 80]);
    assert.deepEqual(masked!.y, [99, 100, 102]);
    assert.deepEqual(line!.x, [0.5, 2]);
    assert.deepEqual(line!.y, [25, 100]);
    // speedup 100 / 60, MAC reduction 2 / 1, rho 1.
    assert.match(
      (f.layout.title as { text: string }).text,
      /1\.67x faster at 2\.00x fewer MACs \(rho 1\.00\)/,
    );
    matchSnapshot('latency_vs_macs', f);
  });
});
