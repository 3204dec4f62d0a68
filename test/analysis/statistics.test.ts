// Statistics on hand-made records (answers worked out by hand, see hand_records.ts) and on SciPy/NumPy
// golden values (test/fixtures/analysis/make_golden.py).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import {
  averageRanks,
  cdfVsPrior,
  classGateFrequency,
  empiricalCdf,
  extremeSamples,
  gateOnFrequency,
  layerGateUsage,
  linearGrid,
  macsByCorrectness,
  macsVsDifficulty,
  median,
  packGateBits,
  recordedGateProbs,
  sortedQuantile,
  spearman,
  summarize,
  summarizeRecords,
  tradeoffCurve,
  unpackGateBits,
} from '../../src/analysis/index.js';
import { handRecords } from './hand_records.js';

const golden = JSON.parse(
  readFileSync(new URL('../fixtures/analysis/stats_golden.json', import.meta.url), 'utf8'),
);

function close(actual: number, expected: number, tol = 1e-6, what = 'value'): void {
  assert.ok(Math.abs(actual - expected) <= tol, `${what}: ${actual} vs ${expected}`);
}

describe('gate frequencies', () => {
  it('per-gate on-frequency', () => {
    const f = gateOnFrequency(handRecords());
    assert.deepEqual(
      f.map((l) => [l.name, l.onFrequency]),
      [
        ['A', [1, 0.25]],
        ['B', [0.5, 1, 0.25]],
      ],
    );
    assert.deepEqual(gateOnFrequency(handRecords(), [0, 1])[1]!.onFrequency, [1, 1, 0.5]);
    assert.throws(() => gateOnFrequency(handRecords(), [7]), /gateOnFrequency: argument 'subset' holds 7/);
  });

  it('always on / always off / conditional per layer', () => {
    const u = layerGateUsage(handRecords());
    assert.deepEqual(
      u.map((l) => [l.name, l.alwaysOn, l.alwaysOff, l.conditional]),
      [
        ['A', 1, 0, 1],
        ['B', 1, 0, 2],
      ],
    );
    close(u[0]!.meanOnFraction, 5 / 8);
    close(u[1]!.meanOnFraction, 7 / 12);
    // With looser thresholds the 25% gates count as off and the 50% gate stays conditional.
    const loose = layerGateUsage(handRecords(), { alwaysOff: 0.25, alwaysOn: 0.9 });
    assert.deepEqual(
      loose.map((l) => [l.alwaysOn, l.alwaysOff, l.conditional]),
      [
        [1, 1, 0],
        [1, 1, 1],
      ],
    );
    assert.throws(
      () => layerGateUsage(handRecords(), { alwaysOff: 0.5, alwaysOn: 0.4 }),
      /alwaysOff < alwaysOn/,
    );
  });

  it('per-class on-frequency', () => {
    const c = classGateFrequency(handRecords());
    assert.deepEqual(c.classes, [0, 1]);
    assert.deepEqual(c.classNames, ['cat', 'dog']);
    assert.deepEqual(c.counts, [2, 2]);
    assert.deepEqual(c.frequency, [
      [1, 0, 1, 1, 0.5],
      [1, 0.5, 0, 1, 0],
    ]);
    close(c.layerFrequency[0]![0]!, 0.5);
    close(c.layerFrequency[0]![1]!, 2.5 / 3);
    close(c.layerFrequency[1]![0]!, 0.75);
    close(c.layerFrequency[1]![1]!, 1 / 3);
  });
});

describe('MACs statistics', () => {
  it('correct vs wrong', () => {
    const m = macsByCorrectness(handRecords());
    assert.equal(m.correct.count, 3);
    assert.equal(m.correct.mean, 150);
    assert.equal(m.correct.median, 150);
    assert.equal(m.wrong.count, 1);
    assert.equal(m.wrong.mean, 300);
    assert.equal(m.wrongOverCorrect, 2);
  });

  it('vs the synthetic difficulty: quantile bins and rank correlation', () => {
    const d = macsVsDifficulty(handRecords(), { bins: 2 });
    assert.equal(d.by, 'difficulty');
    close(d.spearman, 1);
    assert.deepEqual(
      d.bins.map((b) => [b.count, b.meanMacs]),
      [
        [2, 125],
        [2, 250],
      ],
    );
    close(d.bins[0]!.meanMeasure, 0.2);
    close(d.bins[1]!.lo, 0.4);
    close(d.bins[1]!.hi, 0.8);
  });

  it('vs confidence (rho = 1 - 6 * 18 / (4 * 15) = -0.8) and vs loss in uniform bins', () => {
    close(macsVsDifficulty(handRecords(), { by: 'confidence' }).spearman, -0.8);
    const loss = macsVsDifficulty(handRecords(), { by: 'loss', bins: 2, binning: 'uniform' });
    // Width (1.2 - 0.1) / 2: losses .1, .2, .4 in bin 0, 1.2 in bin 1.
    assert.deepEqual(
      loss.bins.map((b) => [b.count, b.meanMacs]),
      [
        [3, 150],
        [1, 300],
      ],
    );
    const { difficulties: _, ...noDiff } = handRecords();
    assert.equal(macsVsDifficulty(noDiff).by, 'loss');
    assert.throws(() => macsVsDifficulty(noDiff, { by: 'difficulty' }), /no difficulty column/);
    assert.throws(
      () => macsVsDifficulty(handRecords(), { bins: 0 }),
      /option 'bins' must be a positive integer; got 0/,
    );
  });

  it('lowest- and highest-MAC samples', () => {
    const e = extremeSamples(handRecords(), 2);
    assert.deepEqual(
      e.lowest.map((s) => s.id),
      ['s0', 's3'],
    );
    assert.deepEqual(
      e.highest.map((s) => s.id),
      ['s1', 's2'],
    );
    assert.equal(e.highest[0]!.prediction, 1);
    close(e.highest[0]!.difficulty!, 0.8);
  });

  it('accuracy vs MACs: summary and Pareto front', () => {
    const s = summarizeRecords(handRecords(), 'hand');
    assert.equal(s.accuracy, 0.75);
    assert.equal(s.macs, 187.5);
    assert.equal(s.denseMacs, 400);
    assert.equal(s.macsFraction, 187.5 / 400);
    const curve = tradeoffCurve([
      { name: 'C', accuracy: 0.6, macs: 3 },
      { name: 'B', accuracy: 0.7, macs: 2 },
      { name: 'A', accuracy: 0.5, macs: 1 },
      { name: 'B2', accuracy: 0.65, macs: 2 },
    ]);
    assert.deepEqual(
      curve.points.map((p) => p.name),
      ['A', 'B', 'B2', 'C'],
    );
    assert.deepEqual(curve.pareto, [true, true, false, false]);
    assert.throws(() => tradeoffCurve([{ name: 'x', accuracy: Number.NaN, macs: 1 }]), /tradeoffCurve/);
  });
});

describe('gate-probability CDF vs prior', () => {
  it('empirical CDF and max gap against a uniform prior (CDF = identity)', () => {
    const grid = linearGrid(5);
    assert.deepEqual(grid, [0, 0.25, 0.5, 0.75, 1]);
    const r = handRecords(true);
    const probs = recordedGateProbs(r);
    assert.equal(probs.length, 20);
    // 12 gates on (0.8, one 0.95) and 8 off (0.2) over 4 samples x 5 gates.
    const cdf = cdfVsPrior(probs, grid, grid);
    assert.deepEqual(cdf.empirical, [0, 8 / 20, 8 / 20, 8 / 20, 1]);
    close(cdf.maxGap, Math.max(8 / 20 - 0.25, 0.75 - 8 / 20));
    assert.deepEqual(
      Array.from(recordedGateProbs(r, 'A')).map((v) => Math.round(v * 100)),
      [95, 20, 80, 20, 80, 20, 80, 80],
    );
    assert.throws(() => recordedGateProbs(handRecords()), /no gate probabilities/);
    assert.throws(() => cdfVsPrior(probs, grid, [0, 1]), /one value per grid point \(5\); got 2/);
  });

  it('empirical CDF matches direct counting (NumPy golden)', () => {
    const g = golden.ecdf;
    assert.deepEqual(empiricalCdf(g.values, g.grid), g.expected);
  });
});

describe('helpers vs SciPy/NumPy', () => {
  it('average ranks and Spearman with ties', () => {
    assert.deepEqual(Array.from(averageRanks(golden.ranks.x)), golden.ranks.ranks);
    close(spearman(golden.spearman.x, golden.spearman.y), golden.spearman.rho, 1e-12);
    assert.ok(Number.isNaN(spearman([1, 1, 1], [1, 2, 3])));
  });

  it('quantiles and sample std', () => {
    const q = golden.quantiles;
    const sorted = Float64Array.from(q.values).sort();
    q.q.forEach((p: number, k: number) => {
      close(sortedQuantile(sorted, p), q.expected[k], 1e-12);
    });
    const s = summarize(q.values);
    close(s.std, q.std, 1e-12);
    close(s.median, q.expected[2], 1e-12);
  });

  it('bit packing as numpy.packbits(bitorder="little")', () => {
    const { bits, packed } = golden.packbits;
    assert.deepEqual(Array.from(packGateBits(bits)), packed);
    assert.deepEqual(Array.from(unpackGateBits(Uint8Array.from(packed), bits.length)), bits);
  });
});

describe('median', () => {
  it('middle value, mean of the two middle ones for an even count, NaN when empty; input untouched', () => {
    const xs = [5, 1, 3];
    assert.equal(median(xs), 3);
    assert.deepEqual(xs, [5, 1, 3]);
    assert.equal(median([4, 1, 3, 2]), 2.5);
    assert.ok(Number.isNaN(median([])));
  });
});
