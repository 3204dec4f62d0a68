// The worker prelude that lets Emscripten's Node worker script run in a Deno worker: on a stand-in for Deno's
// DedicatedWorkerGlobalScope (getter-only `location`, `onmessage` as a real event-handler accessor), the
// script's assignments fail without the prelude and succeed with it, without reaching the native handler.
// The real thing runs in wasm_threads.test.ts (2 threads under Deno).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { denoWorkerPrelude, WORKER_SCRIPT_GLOBALS } from '../../../src/backend/wasm/deno_worker_globals.js';

/** A scope shaped like Deno's worker global: accessors on the prototype. */
function workerScope(): { scope: Record<string, unknown>; nativeHandlers: unknown[] } {
  const nativeHandlers: unknown[] = [];
  const proto = {};
  Object.defineProperty(proto, 'location', { get: () => ({ href: 'deno:worker' }), configurable: true });
  Object.defineProperty(proto, 'onmessage', {
    get: () => nativeHandlers.at(-1) ?? null,
    set: (f: unknown) => nativeHandlers.push(f),
    configurable: true,
  });
  Object.defineProperty(proto, 'postMessage', { value: () => 'native', writable: true, configurable: true });
  return { scope: Object.create(proto) as Record<string, unknown>, nativeHandlers };
}

/** What the Emscripten worker script does to the global in its Node branch. */
function emscriptenAssignments(scope: Record<string, unknown>): void {
  Object.assign(scope, {
    self: scope,
    location: { href: '/tmp/worker.cjs' },
    postMessage: () => 'parentPort',
  });
  scope.onmessage = () => 'emscripten';
}

function runPrelude(scope: object, deno: object | undefined): void {
  new Function('globalThis', 'Deno', denoWorkerPrelude())(scope, deno);
}

describe('Deno worker prelude', () => {
  it('without it, the script fails on the getter-only location (the error Deno showed)', () => {
    const { scope } = workerScope();
    runPrelude(scope, undefined); // not Deno: the prelude does nothing
    assert.throws(() => emscriptenAssignments(scope), /location/);
  });

  it("under Deno, shadows the accessors so the script's assignments land as in Node", () => {
    const { scope, nativeHandlers } = workerScope();
    runPrelude(scope, { version: { deno: '2.9.6' } });
    emscriptenAssignments(scope);
    assert.deepEqual(scope.location, { href: '/tmp/worker.cjs' });
    assert.equal((scope.onmessage as () => string)(), 'emscripten');
    assert.equal(nativeHandlers.length, 0, "the worker's native message handler was not set");
    assert.equal((scope.postMessage as () => string)(), 'parentPort');
    // A shadowed accessor starts with the value it had (event handlers: none).
    const fresh = workerScope().scope;
    runPrelude(fresh, {});
    assert.deepEqual(fresh.location, { href: 'deno:worker' });
    assert.equal(fresh.onmessage, null);
  });

  it('covers every global the Emscripten worker script assigns', () => {
    for (const name of [
      'self',
      'location',
      'Worker',
      'importScripts',
      'postMessage',
      'performance',
      'onmessage',
    ]) {
      assert.ok((WORKER_SCRIPT_GLOBALS as readonly string[]).includes(name), name);
    }
  });
});
