// The terminal progress bar of training and evaluation (cli-progress): images/s, the loss terms, running
// accuracy and the mean fraction of gates on. Only created on a TTY and without --quiet.
import cliProgress from 'cli-progress';

interface ProgressValues {
  ips?: number;
  loss?: number;
  ce?: number;
  bas?: number;
  l0?: number;
  acc?: number;
  gates?: number;
  lr?: number;
}

export interface ProgressDisplay {
  update(value: number, values: ProgressValues): void;
  stop(): void;
}

const f = (v: number | undefined, digits: number) =>
  v === undefined || !Number.isFinite(v) ? '-' : v.toFixed(digits);

/** epoch < 0: an evaluation bar. */
export function createProgressDisplay(
  total: number,
  epoch: number,
  epochs: number,
  start: number,
): ProgressDisplay {
  const title = epoch < 0 ? 'eval      ' : `epoch ${epoch + 1}/${epochs}`;
  const format =
    epoch < 0
      ? `${title} {bar} {value}/{total} samples`
      : `${title} {bar} {value}/{total} | {ips} img/s | loss {loss} (ce {ce} bas {bas} l0 {l0}) | acc {acc} | gates {gates} | lr {lr}`;
  const bar = new cliProgress.SingleBar(
    { format, barsize: 20, hideCursor: true, clearOnComplete: false, stopOnComplete: false },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, start, { ips: '-', loss: '-', ce: '-', bas: '-', l0: '-', acc: '-', gates: '-', lr: '-' });
  return {
    update(value, v) {
      bar.update(value, {
        ips: f(v.ips, 1),
        loss: f(v.loss, 3),
        ce: f(v.ce, 3),
        bas: f(v.bas, 4),
        l0: f(v.l0, 3),
        acc: f(v.acc, 3),
        gates: f(v.gates, 3),
        lr: v.lr === undefined ? '-' : v.lr.toExponential(2),
      });
    },
    stop() {
      bar.stop();
    },
  };
}
