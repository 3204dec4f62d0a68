// The layout of a run directory. Everything a run writes lives here, so a run can be copied, resumed
// (`train --resume <dir>`) and evaluated (`eval --run <dir>`) from the folder alone.
import { join } from 'node:path';

export interface RunPaths {
  dir: string;
  /** The resolved TrainConfig, JSON. */
  config: string;
  /** Human-readable log (appended across resumes). */
  log: string;
  metricsDir: string;
  /** One row per epoch (Arrow IPC file). */
  epochs: string;
  checkpointsDir: string;
  /** The latest resumable state: end of an epoch, or where Ctrl-C stopped the run. */
  lastCheckpoint: string;
  /** The weights at the end of training. */
  finalCheckpoint: string;
  reportJson: string;
  reportText: string;
  /** One row per step of epoch `epoch` (0-based) (Arrow IPC file). */
  steps(epoch: number): string;
}

export function runPaths(dir: string): RunPaths {
  const metricsDir = join(dir, 'metrics');
  const checkpointsDir = join(dir, 'checkpoints');
  return {
    dir,
    config: join(dir, 'config.json'),
    log: join(dir, 'train.log'),
    metricsDir,
    epochs: join(metricsDir, 'epochs.arrow'),
    checkpointsDir,
    lastCheckpoint: join(checkpointsDir, 'last.safetensors'),
    finalCheckpoint: join(checkpointsDir, 'final.safetensors'),
    reportJson: join(dir, 'report.json'),
    reportText: join(dir, 'report.txt'),
    steps: (epoch: number) => join(metricsDir, `steps_epoch_${String(epoch + 1).padStart(4, '0')}.arrow`),
  };
}
