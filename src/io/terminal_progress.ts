// The terminal form of the progress interface (progress.ts): a cli-progress bar on stderr with the count, a
// running rate and the status text (training: loss terms, accuracy, gates on, lr). Callers create it only on
// an interactive terminal; pipes and CI logs get plain log lines instead.
import cliProgress from 'cli-progress';
import type { Progress, ProgressFactory } from './progress.js';

/** A bar labelled `label` over `total` items (0 or undefined: a running count), starting at `start`. */
export const terminalProgress: ProgressFactory = (label, total, start = 0): Progress => {
  const known = total !== undefined && total > 0;
  const bar = new cliProgress.SingleBar(
    {
      format: known ? `${label} {bar} {value}/{total} {status}` : `${label} {value} {status}`,
      barsize: 20,
      hideCursor: true,
      clearOnComplete: false,
      stopOnComplete: false,
      stream: process.stderr,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(known ? total : Math.max(1, start), start, { status: '' });
  let stopped = false;
  return {
    update(done, newTotal, status) {
      if (stopped) return;
      if (newTotal !== undefined && newTotal > 0) bar.setTotal(newTotal);
      bar.update(done, { status: status === undefined ? '' : `| ${status}` });
    },
    finish(message) {
      if (stopped) return;
      stopped = true;
      if (message !== undefined) bar.update({ status: `| ${message}` });
      bar.stop();
    },
  };
};
