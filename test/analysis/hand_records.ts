// Hand-made records with answers worked out by hand in the tests that use them (not a test file itself).
import { type GateRecords, makeGateRecords } from '../../src/analysis/index.js';

/**
 * Layers A (2 channels) and B (3 channels), four samples:
 *   s0 label 0 pred 0 conf .9 loss .1 macs 100 diff .1  A [1,0] B [1,1,0]
 *   s1 label 0 pred 1 conf .6 loss 1.2 macs 300 diff .8 A [1,0] B [1,1,1]
 *   s2 label 1 pred 1 conf .8 loss .2 macs 200 diff .4  A [1,0] B [0,1,0]
 *   s3 label 1 pred 1 conf .7 loss .4 macs 150 diff .3  A [1,1] B [0,1,0]
 */
export function handRecords(withProbs = false): GateRecords {
  const rows = [
    ['s0', 0, 0, 0.9, 0.1, 100, 0.1, [1, 0], [1, 1, 0]],
    ['s1', 0, 1, 0.6, 1.2, 300, 0.8, [1, 0], [1, 1, 1]],
    ['s2', 1, 1, 0.8, 0.2, 200, 0.4, [1, 0], [0, 1, 0]],
    ['s3', 1, 1, 0.7, 0.4, 150, 0.3, [1, 1], [0, 1, 0]],
  ] as const;
  return makeGateRecords(
    {
      layers: [
        { name: 'A', channels: 2 },
        { name: 'B', channels: 3 },
      ],
      classes: ['cat', 'dog'],
      model: 'hand',
      denseMacs: 380,
      gateModuleMacs: 20,
    },
    rows.map(([id, label, prediction, confidence, loss, macs, difficulty, a, b]) => ({
      id,
      label,
      prediction,
      confidence,
      loss,
      macs,
      difficulty,
      masks: [a, b],
      // Probabilities consistent with the masks: 0.8 for on, 0.2 for off, except s0's first gate (0.95).
      ...(withProbs && {
        probs: [
          a.map((v, c) => (id === 's0' && c === 0 ? 0.95 : v ? 0.8 : 0.2)),
          b.map((v) => (v ? 0.8 : 0.2)),
        ],
      }),
    })),
  );
}
