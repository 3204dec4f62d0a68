// The one way the library starts a worker thread on one of its own modules (batch loading, image decoding).
// The built package runs `<name>.js` directly. Source runs (tsx: tests, benchmarks, `node --import tsx
// data-scripts/...`) have only `<name>.ts`, which Node 20's worker loader cannot read, and a worker does not
// inherit tsx's loader hooks: there a tiny eval'd bootstrap registers tsx first, then imports the entry.
import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * Starts a worker on the module `name` (no extension) next to the caller, whose `import.meta.url` is
 * `callerUrl`: `./<name>.js` in the build, `./<name>.ts` through tsx when the caller is itself a .ts file.
 */
export function startModuleWorker(callerUrl: string, name: string, options: WorkerOptions = {}): Worker {
  if (callerUrl.endsWith('.ts')) {
    const entry = new URL(`./${name}.ts`, callerUrl).href;
    // Resolved here, not in the worker: an eval'd script resolves bare names from the working directory.
    const tsx = import.meta.resolve('tsx/esm/api');
    const boot = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); });`;
    return new Worker(boot, { ...options, eval: true });
  }
  return new Worker(new URL(`./${name}.js`, callerUrl), options);
}
