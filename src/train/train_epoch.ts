// One epoch of training from a given step: each batch through the gated loss and its gradients
// (train_step.ts) at the learning rate and gate-loss weights of its position, the optimiser update, the
// step's metrics (a row of metrics/steps_epoch_NNNN.arrow, the epoch's running sums, the log and progress).
// It ends when the epoch is done, when `signal` is aborted (checked before each step, so a stop never cuts a
// step in half), or at a non-finite loss, which stops before that update is applied.
import { existsSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import type { Batch } from '../data/batch_loader.js';
import { batchToTensors } from '../data/batch_tensors.js';
import type { Progress, ProgressFactory } from '../io/progress.js';
import { lossWeightsAt } from '../losses/loss_schedule.js';
import { EpochMetrics } from './epoch_metrics.js';
import { adaptChannels } from './input_adapter.js';
import { learningRateAt } from './lr_schedule.js';
import { type MetricsRow, readMetricsTable, writeMetricsTable } from './metrics_table.js';
import type { RunLog } from './run_log.js';
import type { RunContext } from './run_setup.js';
import { gatedLossGradients } from './train_step.js';

export interface EpochOptions {
  /** Aborting it stops the epoch before its next step. */
  signal?: AbortSignal | undefined;
  /** Sees (and may replace) every batch before it is uploaded (tests inject faults here). */
  mapBatch?: ((batch: Batch) => Batch) | undefined;
  progress?: ProgressFactory | undefined;
  log: RunLog;
  /** Print the periodic step lines on the console too (when no progress bar shows them). */
  stepLinesToConsole: boolean;
}

export type EpochResult =
  /** The epoch's last step is done. */
  | { kind: 'finished'; metrics: EpochMetrics }
  /** Stopped by the signal before `step`; `metrics` holds the steps done. */
  | { kind: 'stopped'; step: number; metrics: EpochMetrics }
  /** A non-finite loss at `step`; nothing of that step was applied. */
  | { kind: 'diverged'; step: number; losses: Record<'total' | 'ce' | 'bas' | 'l0' | 'lr', number> };

const fixed = (v: number, digits: number) => (Number.isFinite(v) ? v.toFixed(digits) : '-');

/** The progress-bar status of a step: speed, loss terms, running accuracy, gates on, lr. */
function stepStatus(m: EpochMetrics, s: { total: number; ce: number; bas: number; l0: number; lr: number }) {
  return (
    `| ${fixed(m.imagesPerSecond(), 1)} img/s | loss ${fixed(s.total, 3)} (ce ${fixed(s.ce, 3)} bas ${fixed(s.bas, 4)} ` +
    `l0 ${fixed(s.l0, 3)}) | acc ${fixed(m.accuracy(), 3)} | gates ${fixed(m.meanPerStep('gateOn'), 3)} | lr ${s.lr.toExponential(2)}`
  );
}

/**
 * Trains epoch `epoch` of the run from its current state (`run.state`: the step to start at and, for a
 * resumed epoch, the sums so far). Advances `run.state.globalStep` and `trainSeconds` as steps complete.
 */
export async function trainEpoch(
  run: RunContext,
  epoch: number,
  options: EpochOptions,
): Promise<EpochResult> {
  const { cfg, model, optimizer, paths, stepsPerEpoch, state } = run;
  const resumed = epoch === state.epoch;
  const startStep = resumed ? state.step : 0;
  const metrics = new EpochMetrics(resumed ? state.epochSums : undefined);
  let stepRows: MetricsRow[] = [];
  if (startStep > 0 && existsSync(paths.steps(epoch))) {
    stepRows = (await readMetricsTable(paths.steps(epoch))).filter((r) => (r.step ?? 0) < startStep);
  }
  const totalSteps = cfg.epochs * stepsPerEpoch;
  const display: Progress | undefined = options.progress?.(
    `epoch ${epoch + 1}/${cfg.epochs}`,
    stepsPerEpoch,
    startStep,
  );
  const batches = run.trainLoader.epoch(epoch, { startStep });
  let step = startStep;
  let result: EpochResult | undefined;
  try {
    while (step < stepsPerEpoch) {
      if (options.signal?.aborted) {
        result = { kind: 'stopped', step, metrics };
        break;
      }
      const next = await batches.next();
      if (next.done) break;
      const batch = options.mapBatch ? options.mapBatch(next.value) : next.value;
      const t0 = performance.now();
      const position = epoch + step / stepsPerEpoch;
      const lr = learningRateAt(cfg, position);
      const weights = lossWeightsAt(cfg.loss, Math.min(1, position / cfg.epochs));
      const t = batchToTensors(batch);
      const images = adaptChannels(t.images, model.config.inputChannels);
      const r = gatedLossGradients(
        model,
        { images, ...(t.labels ? { labels: t.labels } : {}), ...(t.masks ? { masks: t.masks } : {}) },
        {
          weights,
          basReduction: cfg.loss.basReduction,
          l0Reduction: cfg.loss.l0Reduction,
          ...(run.l0MacWeights ? { l0MacWeights: run.l0MacWeights } : {}),
        },
      );
      const scalars = [r.total, r.ce, r.bas, r.l0, r.correct, r.counted, r.gateOn];
      const [
        total = Number.NaN,
        ce = Number.NaN,
        bas = Number.NaN,
        l0 = Number.NaN,
        correct = 0,
        counted = 0,
        gateOn = 0,
      ] = await Promise.all(scalars.map(async (x) => (await x.data())[0] ?? Number.NaN));
      const finite = [total, ce, bas, l0].every((v) => Number.isFinite(v));
      if (finite) optimizer.step(r.grads, lr);
      tf.dispose([...Object.values(r.grads), ...scalars]);
      tf.dispose([t.images, t.labels, t.masks, images].filter((x) => x !== undefined));
      if (!finite) {
        result = { kind: 'diverged', step, losses: { total, ce, bas, l0, lr } };
        break;
      }
      // Read after the update (await data() above made the step complete): the step's real cost.
      const seconds = (performance.now() - t0) / 1000;
      metrics.add({ images: batch.size, loss: total, ce, bas, l0, correct, counted, gateOn, seconds });
      state.trainSeconds += seconds;
      const accuracy = correct / Math.max(1, counted);
      stepRows.push({
        epoch,
        step,
        globalStep: state.globalStep,
        lr,
        gamma: weights.gamma,
        lambda: weights.lambda,
        loss: total,
        ce,
        bas,
        l0,
        accuracy,
        gateOn,
        imagesPerSecond: batch.size / seconds,
      });
      step += 1;
      state.globalStep += 1;
      display?.update(step, stepsPerEpoch, stepStatus(metrics, { total, ce, bas, l0, lr }));
      if (step % cfg.logEverySteps === 0 || step === stepsPerEpoch) {
        await options.log(
          `epoch ${epoch + 1}/${cfg.epochs} step ${step}/${stepsPerEpoch} (global ${state.globalStep}/${totalSteps}): ` +
            `loss ${total.toFixed(4)} ce ${ce.toFixed(4)} bas ${bas.toFixed(4)} l0 ${l0.toFixed(4)} ` +
            `acc ${accuracy.toFixed(3)} gates-on ${gateOn.toFixed(3)} lr ${lr.toExponential(3)} ` +
            `gamma ${weights.gamma.toFixed(3)} lambda ${weights.lambda} ${(batch.size / seconds).toFixed(1)} img/s`,
          options.stepLinesToConsole,
        );
      }
      if (step % 100 === 0) await writeMetricsTable(paths.steps(epoch), stepRows);
    }
  } finally {
    await batches.return?.(undefined);
    display?.finish();
  }
  if (stepRows.length > 0) await writeMetricsTable(paths.steps(epoch), stepRows);
  // A stop during the epoch's last step still stops here, before the evaluation.
  if (result === undefined && options.signal?.aborted) result = { kind: 'stopped', step, metrics };
  return result ?? { kind: 'finished', metrics };
}
