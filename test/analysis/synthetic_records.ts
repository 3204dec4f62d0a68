// Deterministic pseudo-random gate records for figure snapshots and the report tests (not a test file).
// A tiny LCG (no Math.random) so the records, and therefore every snapshot, are the same on every run.
import { type GateRecords, makeGateRecords } from '../../src/analysis/gate_records.js';

export function syntheticRecords(n = 60, seed = 1): GateRecords {
  let state = seed >>> 0;
  const rand = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
  const layers = [
    { name: 'layer1.0.gate', channels: 4 },
    { name: 'layer2.0.gate', channels: 6 },
    { name: 'layer3.0.gate', channels: 8 },
  ];
  const perChannel = [1000, 2000, 4000];
  const samples = Array.from({ length: n }, (_, i) => {
    const difficulty = Math.fround(rand());
    const label = i % 3;
    // Harder samples open more gates; channel 0 of every layer always on, the last always off.
    const masks = layers.map((l) =>
      Array.from({ length: l.channels }, (_, c): number =>
        c === 0 ? 1 : c === l.channels - 1 ? 0 : rand() < 0.2 + 0.6 * difficulty + 0.1 * label ? 1 : 0,
      ),
    );
    const probs = masks.map((m) => m.map((v): number => Math.fround(v ? 0.6 + 0.4 * rand() : 0.4 * rand())));
    const macs = 5000 + masks.reduce((a, m, l) => a + m.reduce((s, v) => s + v, 0) * perChannel[l]!, 0);
    const right = rand() > 0.3 * difficulty;
    return {
      id: `test-${String(i).padStart(6, '0')}`,
      label,
      prediction: right ? label : (label + 1) % 3,
      confidence: Math.fround(right ? 0.9 - 0.5 * difficulty * rand() : 0.3 + 0.3 * rand()),
      loss: Math.fround(right ? 0.1 + difficulty * rand() : 1 + rand()),
      macs,
      difficulty,
      masks,
      probs,
    };
  });
  return makeGateRecords(
    {
      layers,
      classes: ['circle', 'square', 'triangle'],
      model: 'resnet-toy',
      dataset: 'synthetic-shapes',
      split: 'test',
      denseMacs: 5000 + layers.reduce((a, l, k) => a + l.channels * perChannel[k]!, 0),
      gateModuleMacs: 100,
      source: 'synthetic',
    },
    samples,
  );
}
