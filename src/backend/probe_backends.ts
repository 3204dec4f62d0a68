// Probes every backend (not only up to the first that works), for `doctor` and the benchmarks.
import * as tf from '@tensorflow/tfjs-core';
import { BACKEND_NAMES, type BackendName } from './backend_names.js';
import { type InitBackendOptions, initBackend } from './init_backend.js';

export interface BackendProbe {
  name: BackendName;
  available: boolean;
  /** Why it is usable, or why not. */
  detail: string;
}

/**
 * Tries each backend in 'auto' order and reports which work. Leaves the first available one active
 * (the one `initBackend('auto')` would choose), so callers can go on using it.
 */
export async function probeBackends(options: InitBackendOptions = {}): Promise<BackendProbe[]> {
  const probes: BackendProbe[] = [];
  for (const name of BACKEND_NAMES) {
    try {
      const report = await initBackend(name, options);
      probes.push({ name, available: true, detail: report.reason });
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      // initBackend(name) lists the single skipped backend as "  name: why"; keep the why.
      const why = message.split('\n').find((l) => l.trimStart().startsWith(`${name}:`)) ?? message;
      probes.push({ name, available: false, detail: why.replace(`${name}:`, '').trim() });
    }
  }
  const first = probes.find((p) => p.available);
  if (first !== undefined) await initBackend(first.name, options);
  else if (tf.getBackend() === undefined) throw new Error('probeBackends: no backend is usable');
  return probes;
}
