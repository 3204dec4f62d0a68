// Choosing where progress goes (progress.ts) for command-line work such as dataset preparation: a terminal
// bar when stderr is interactive, a plain line every few seconds otherwise (CI logs, `| tee`), nothing when
// quiet (tests, notebooks that draw their own).
import type { Progress, ProgressFactory } from './progress.js';
import { silentProgress } from './progress.js';
import { terminalProgress } from './terminal_progress.js';

export type ProgressMode = 'auto' | 'bar' | 'lines' | 'quiet';

/** Progress as a line on `write` at most every `everyMs` (and always at the end), with a running rate. */
export function lineProgress(
  write: (line: string) => void,
  everyMs = 10_000,
  now = Date.now,
): ProgressFactory {
  return (label, total, start = 0): Progress => {
    const t0 = now();
    let last = t0;
    let done = start;
    let known = total;
    const line = (t: number) => {
      const rate = (done - start) / Math.max(1e-3, (t - t0) / 1000);
      const of = known !== undefined && known > 0 ? `/${known} (${((100 * done) / known).toFixed(1)}%)` : '';
      return `${label}: ${done}${of}, ${rate.toFixed(0)}/s`;
    };
    return {
      update(value, newTotal) {
        done = value;
        if (newTotal !== undefined) known = newTotal;
        const t = now();
        if (t - last >= everyMs) {
          last = t;
          write(line(t));
        }
      },
      finish(message) {
        write(`${line(now())} ${message ?? 'done'}`);
      },
    };
  };
}

/** `auto`: a bar when stderr is a terminal, else a line every 10 s on stderr. */
export function createProgress(mode: ProgressMode = 'auto'): ProgressFactory {
  if (mode === 'quiet') return silentProgress;
  const bar = mode === 'bar' || (mode === 'auto' && process.stderr.isTTY === true);
  if (bar) return terminalProgress;
  return lineProgress((line) => process.stderr.write(`${line}\n`));
}
