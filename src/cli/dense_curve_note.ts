// After `npm start`: where the run stands against the dense networks of the committed trade-off experiment
// (bench/results/method-tradeoff.json: dense ResNets of several widths trained with the same recipe and
// budget). Printed only when the run used the experiment's preset and the results file is present (it is in
// a clone of the repository, not in the published package).
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { standingAgainstCurve } from '../analysis/accuracy_macs_tradeoff.js';
import type { RunReport } from '../train/run_report.js';

interface TradeoffFile {
  preset: string;
  dense: { label: string; top1: number; meanMacs: number }[];
}

const RESULTS = fileURLToPath(new URL('../../bench/results/method-tradeoff.json', import.meta.url));

/** One or two lines comparing `report` with the dense curve, or undefined when there is nothing to compare. */
export function denseCurveNote(report: RunReport, resultsFile = RESULTS): string | undefined {
  const top1 = report.eval?.top1;
  if (top1 === undefined || !existsSync(resultsFile)) return undefined;
  const results = JSON.parse(readFileSync(resultsFile, 'utf8')) as TradeoffFile;
  if (results.preset !== report.preset || (results.dense?.length ?? 0) < 2) return undefined;
  const macs = report.eval!.macs.meanMacs;
  const dense = results.dense.map((d) => ({ name: d.label, accuracy: d.top1, macs: d.meanMacs }));
  const s = standingAgainstCurve({ name: 'this run', accuracy: top1, macs }, dense);
  const pct = (v: number) => `${(100 * v).toFixed(2)}%`;
  const curve = dense
    .sort((a, b) => a.macs - b.macs)
    .map((d) => `${d.name} ${pct(d.accuracy)} at ${(d.macs / 1e6).toFixed(2)} MMAC`)
    .join('; ');
  const head = `dense curve (bench/results/method-tradeoff.json, same recipe and budget): ${curve}`;
  if (s.position !== 'inside') {
    return `${head}\nthis run (${(macs / 1e6).toFixed(2)} MMAC) is ${s.position} the curve's MAC range`;
  }
  const verdict = s.margin! >= 0 ? 'above' : 'below';
  return (
    `${head}\nthis run: top-1 ${pct(top1)} at ${(macs / 1e6).toFixed(2)} MMAC; a dense network of these MACs: ` +
    `${pct(s.curveAccuracy!)} (interpolated): ${Math.abs(100 * s.margin!).toFixed(2)} points ${verdict} the dense curve`
  );
}
