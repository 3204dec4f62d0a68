// Reads an Arrow IPC file we did not just write (a metrics table, gate records) as a trial first, in a worker
// thread with a deadline: apache-arrow can loop forever on some damaged files (one flipped byte in a message
// prefix was enough in our fuzzing), and a synchronous loop cannot be interrupted in the thread that runs it.
// A file that parses completely in the worker parses the same way in the caller. Shards do not need this:
// their SHA-256 in meta.json is checked before they are parsed.
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { isDeno } from './deno_runtime.js';

const PROBE = `
const { parentPort, workerData } = require('node:worker_threads');
const arrow = require(workerData.arrow);
const table = arrow.tableFromIPC(workerData.bytes);
let cells = 0;
for (const field of table.schema.fields) cells += table.getChild(field.name)?.toArray().length ?? 0;
parentPort.postMessage({ rows: table.numRows, cells });
`;

const arrowEntry = createRequire(import.meta.url).resolve('apache-arrow');

/**
 * Throws an Error naming `file` unless `bytes` parse completely as an Arrow IPC table within the deadline
 * (default: 3 s plus 1 s per 10 MB; a sound file of that size parses in milliseconds).
 */
export async function probeArrowFile(bytes: Uint8Array, file: string, deadlineMs?: number): Promise<void> {
  // Under Deno's Jupyter kernel a worker thread running during a cell made that cell's later display outputs
  // go missing (notebook 02 on Deno): there the file is parsed directly, as before this guard existed.
  if (isDeno()) return;
  const deadline = deadlineMs ?? 3_000 + bytes.byteLength / 10_000;
  await new Promise<void>((resolve, reject) => {
    const worker = new Worker(PROBE, { eval: true, workerData: { arrow: arrowEntry, bytes } });
    // Settle once: Deno emits 'exit' synchronously inside terminate(), before the caller's next line runs.
    let settled = false;
    const settle = (err?: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (err === undefined) resolve();
      else reject(err);
      void worker.terminate();
    };
    const timer = setTimeout(() => {
      settle(
        new Error(
          `${file}: not a readable Arrow IPC file (reading it did not finish within ${Math.round(deadline / 1000)} s: damaged?)`,
        ),
      );
    }, deadline);
    worker.once('message', () => settle());
    worker.once('error', (err) =>
      settle(new Error(`${file}: not a readable Arrow IPC file (${err.message})`, { cause: err })),
    );
    worker.once('exit', (code) =>
      settle(new Error(`${file}: not a readable Arrow IPC file (the reader stopped with code ${code})`)),
    );
  });
}
