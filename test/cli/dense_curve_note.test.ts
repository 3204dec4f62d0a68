import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { denseCurveNote } from '../../src/cli/dense_curve_note.js';
import type { RunReport } from '../../src/train/run_report.js';

function report(preset: string, top1: number, meanMacs: number): RunReport {
  return { preset, eval: { top1, macs: { meanMacs } } } as unknown as RunReport;
}

describe('denseCurveNote', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dense-curve-'));
  const file = join(dir, 'method-tradeoff.json');
  writeFileSync(
    file,
    JSON.stringify({
      preset: 'fashion-mnist-quick',
      dense: [
        { label: 'dense, width 0.5', top1: 0.9, meanMacs: 8e6 },
        { label: 'dense, width 0.3', top1: 0.86, meanMacs: 3e6 },
      ],
    }),
  );
  it('says how far above or below the interpolated dense curve the run is', () => {
    const note = denseCurveNote(report('fashion-mnist-quick', 0.9, 5.5e6), file)!;
    assert.match(note, /dense, width 0\.3 86\.00% at 3\.00 MMAC; dense, width 0\.5 90\.00% at 8\.00 MMAC/);
    assert.match(
      note,
      /a dense network of these MACs: 88\.00% \(interpolated\): 2\.00 points above the dense curve/,
    );
    assert.match(denseCurveNote(report('fashion-mnist-quick', 0.87, 5.5e6), file)!, /1\.00 points below/);
    assert.match(
      denseCurveNote(report('fashion-mnist-quick', 0.87, 9e6), file)!,
      /is above the curve's MAC range/,
    );
  });
  it('stays silent for another preset or without the results file', () => {
    assert.equal(denseCurveNote(report('tiny', 0.9, 5e6), file), undefined);
    assert.equal(denseCurveNote(report('fashion-mnist-quick', 0.9, 5e6), join(dir, 'none.json')), undefined);
  });
});
