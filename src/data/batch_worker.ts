// Worker-thread entry of worker_pool.ts: holds one BatchLoader for the pool's lifetime and, per run,
// produces every `stride`-th batch of an epoch and posts it (typed arrays transferred, not copied),
// pausing whenever `depth + 1` batches are unconsumed. A new run or a stop ends the current run.
import { parentPort, workerData } from 'node:worker_threads';
import { BatchLoader, type LoaderInit } from './batch_loader.js';
import type { PoolCommand, PoolReply } from './worker_pool.js';

const init = workerData as LoaderInit;
const port = parentPort!;
const loader = new BatchLoader(init.dir, init.meta, { ...init.options, workers: 0 });

interface RunState {
  runId: number;
  credits: number;
  stopped: boolean;
  wake: (() => void) | null;
}
let current: RunState | null = null;

function nudge(state: RunState): void {
  const w = state.wake;
  state.wake = null;
  w?.();
}

function reply(m: PoolReply, transfer: ArrayBuffer[] = []): void {
  port.postMessage(m, transfer);
}

async function run(state: RunState, cmd: Extract<PoolCommand, { type: 'run' }>): Promise<void> {
  try {
    for await (const batch of loader.produce(cmd.epoch, cmd.startStep, cmd.stride, cmd.offset)) {
      while (state.credits === 0 && !state.stopped)
        await new Promise<void>((resolve) => (state.wake = resolve));
      if (state.stopped) return;
      state.credits--;
      const transfer = [batch.images, batch.labels, batch.masks, batch.difficulties]
        .filter((a): a is NonNullable<typeof a> => a !== undefined)
        .map((a) => a.buffer as ArrayBuffer);
      reply({ type: 'batch', runId: state.runId, batch }, transfer);
    }
    if (!state.stopped) reply({ type: 'done', runId: state.runId });
  } catch (err) {
    const e = err as Error;
    reply({ type: 'error', runId: state.runId, message: e.message, stack: e.stack });
  }
}

port.on('message', (cmd: PoolCommand) => {
  if (cmd.type === 'run') {
    if (current) {
      current.stopped = true;
      nudge(current);
    }
    const state: RunState = { runId: cmd.runId, credits: cmd.depth + 1, stopped: false, wake: null };
    current = state;
    void run(state, cmd);
  } else if (current?.runId === cmd.runId) {
    if (cmd.type === 'credit') current.credits++;
    else current.stopped = true;
    nudge(current);
  }
});
