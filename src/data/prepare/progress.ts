// Progress display for dataset preparation: a cli-progress bar on an interactive terminal, a plain
// line every few seconds otherwise (CI logs, `| tee`), nothing when quiet (tests, notebooks that draw
// their own). One reporter per split.

import { SingleBar } from 'cli-progress';

export interface ProgressReporter {
  /** Starts a phase of `total` items (0 when unknown, e.g. a streamed tar). */
  start(label: string, total: number): void;
  increment(n?: number): void;
  stop(): void;
}

export type ProgressMode = 'auto' | 'bar' | 'lines' | 'quiet';

class QuietProgress implements ProgressReporter {
  start(): void {}
  increment(): void {}
  stop(): void {}
}

class LineProgress implements ProgressReporter {
  private label = '';
  private total = 0;
  private done = 0;
  private last = 0;
  private t0 = 0;

  constructor(
    private readonly write: (line: string) => void,
    private readonly everyMs: number,
  ) {}

  start(label: string, total: number): void {
    this.label = label;
    this.total = total;
    this.done = 0;
    this.t0 = Date.now();
    this.last = this.t0;
  }

  increment(n = 1): void {
    this.done += n;
    const now = Date.now();
    if (now - this.last >= this.everyMs) {
      this.last = now;
      this.write(this.line(now));
    }
  }

  stop(): void {
    this.write(`${this.line(Date.now())} done`);
  }

  private line(now: number): string {
    const rate = this.done / Math.max(1e-3, (now - this.t0) / 1000);
    const of = this.total > 0 ? `/${this.total} (${((100 * this.done) / this.total).toFixed(1)}%)` : '';
    return `${this.label}: ${this.done}${of}, ${rate.toFixed(0)}/s`;
  }
}

class BarProgress implements ProgressReporter {
  private bar: SingleBar | undefined;

  start(label: string, total: number): void {
    this.bar = new SingleBar({
      // A streamed archive has no known total: show a running count instead of a bar.
      format:
        total > 0
          ? `${label} [{bar}] {percentage}% | {value}/{total} | {eta_formatted} left`
          : `${label} {value} records | {duration_formatted}`,
      hideCursor: true,
      stream: process.stderr,
    });
    this.bar.start(Math.max(total, 1), 0);
  }

  increment(n = 1): void {
    this.bar?.increment(n);
  }

  stop(): void {
    this.bar?.stop();
    this.bar = undefined;
  }
}

/** `auto`: a bar when stderr is a terminal, else a line every 10 s on stderr. */
export function createProgress(mode: ProgressMode = 'auto'): ProgressReporter {
  if (mode === 'quiet') return new QuietProgress();
  const bar = mode === 'bar' || (mode === 'auto' && process.stderr.isTTY === true);
  if (bar) return new BarProgress();
  return new LineProgress((line) => process.stderr.write(`${line}\n`), 10_000);
}
