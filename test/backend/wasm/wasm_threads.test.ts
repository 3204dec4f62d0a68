import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { configureWasmThreads } from '../../../src/backend/wasm/wasm_threads.js';
import { lastJsonLine, runDeno } from '../../helpers/deno.js';

const child = fileURLToPath(new URL('./wasm_threads_child.ts', import.meta.url));

interface Job {
  copied: boolean;
  threw: string;
}
interface ChildOut {
  name: string;
  reason: string;
  err: number;
  simd: string;
  pool: number;
  parts: number;
  jobs: { many: Job; failing: Job; after: Job };
  conv2D: { oursByDefault: boolean; oursWithMaxThreads1: boolean; bitIdentical: boolean };
  deno: boolean;
}

/** Runs the child in a fresh process; it must exit on its own (threads must not keep it alive). */
function runChild(...args: string[]): ChildOut {
  const res = spawnSync(process.execPath, ['--import', 'tsx', child, ...args], {
    encoding: 'utf8',
    timeout: 90_000,
  });
  assert.equal(res.signal, null, `child was killed (hung at exit?): ${res.stderr}`);
  assert.equal(res.status, 0, res.stderr);
  const line = res.stdout.trim().split('\n').at(-1)!;
  return JSON.parse(line) as ChildOut;
}

/** The pool's jobs of 64 parts in the child: all copied; a trapping part fails the job, and the next job runs. */
function assertJobs({ jobs }: ChildOut): void {
  assert.deepEqual(jobs.many, { copied: true, threw: '' }, 'a job of 64 parts');
  assert.match(jobs.failing.threw, /out of bounds|failed on a worker/, 'a trapping part fails its job');
  assert.deepEqual(jobs.after, { copied: true, threw: '' }, 'the pool runs the next job after a failure');
}

/** The same child under Deno (its worker_threads are web workers: see deno_worker_globals.ts). */
function runChildUnderDeno(...args: string[]): ChildOut {
  const res = runDeno(child, args, { timeoutMs: 90_000 });
  assert.equal(res.signal, null, `deno child was killed (hung at exit?): ${res.stderr}`);
  assert.equal(res.status, 0, res.stderr);
  return lastJsonLine(res);
}

describe('configureWasmThreads', () => {
  it('runs the wasm backend on 2 threads in Node, correctly, and the process exits', (t) => {
    if (availableParallelism() < 2) {
      t.skip('one core: a second thread cannot be shown to work here');
      return;
    }
    const out = runChild('2');
    assert.match(out.reason, /XNNPACK on the CPU, 2 thread\(s\)$/);
    assert.ok(out.err <= 1e-4, `threaded conv gradients differ from cpu: ${out.err}`);
    assert.equal(out.simd, 'ok', 'our SIMD module runs on the shared heap');
    assert.equal(out.pool, 2, 'our SIMD kernels run on 2 threads too (the worker of simd_pool.ts)');
    assert.equal(out.parts, 64, 'jobs split into 32 parts per thread');
    assertJobs(out);
    assert.deepEqual(
      out.conv2D,
      { oursByDefault: true, oursWithMaxThreads1: false, bitIdentical: true },
      "Conv2D on 2 threads: ours by default, XNNPACK's with setWasmConv2DMaxThreads(1), bit-identical",
    );
  });

  it('falls back to 1 thread and says why when threads are unavailable', () => {
    const out = runChild('2', 'no-shared-memory');
    assert.match(out.reason, /1 thread\(s\) \(SharedArrayBuffer is unavailable; using 1 thread\)/);
    assert.ok(out.err <= 1e-4);
    assert.equal(out.simd, 'ok', 'our SIMD module runs on the plain heap');
    assert.equal(out.pool, 1);
    assert.equal(out.parts, 1);
    assertJobs(out);
  });

  it('runs the wasm backend on 2 threads under Deno, correctly, and the process exits', (t) => {
    if (availableParallelism() < 2) {
      t.skip('one core: a second thread cannot be shown to work here');
      return;
    }
    const out = runChildUnderDeno('2');
    assert.equal(out.deno, true, 'the child ran under Deno');
    assert.match(out.reason, /XNNPACK on the CPU, 2 thread\(s\)$/);
    assert.ok(out.err <= 1e-4, `threaded conv gradients under Deno differ from cpu: ${out.err}`);
    assert.equal(out.simd, 'ok', 'our SIMD module runs on the shared heap under Deno');
    assert.equal(out.pool, 2, 'our SIMD kernels run on 2 threads under Deno too');
    assertJobs(out);
    assert.deepEqual(out.conv2D, { oursByDefault: true, oursWithMaxThreads1: false, bitIdentical: true });
  });

  it('falls back to 1 thread under Deno too, saying why', () => {
    const out = runChildUnderDeno('2', 'no-shared-memory');
    assert.match(out.reason, /1 thread\(s\) \(SharedArrayBuffer is unavailable; using 1 thread\)/);
    assert.ok(out.err <= 1e-4);
  });

  it('rejects a bad thread count, naming the argument', async () => {
    await assert.rejects(
      configureWasmThreads(0),
      /configureWasmThreads: argument 'requested' must be .* got 0/,
    );
    await assert.rejects(configureWasmThreads(1.5), /got 1.5/);
  });
});
