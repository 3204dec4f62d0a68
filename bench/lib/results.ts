// Shared by the benchmarks: machine description and atomic JSON output under bench/results/.
import { renameSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';

export function machineInfo(): Record<string, unknown> {
  const cpu = cpus();
  return {
    cpuModel: cpu[0]?.model ?? 'unknown',
    cores: cpu.length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    platform: `${process.platform}/${process.arch}`,
    node: process.version,
    tfjsCore: tf.version_core,
    date: new Date().toISOString(),
  };
}

/** Writes bench/results/<name>.json via a temporary file + rename (never a half-written result). */
export function writeResult(name: string, result: unknown): string {
  const path = join(import.meta.dirname, '..', 'results', `${name}.json`);
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, `${JSON.stringify(result, null, 2)}\n`);
  renameSync(tmp, path);
  return path;
}
