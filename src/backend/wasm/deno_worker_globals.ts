// The part of the pthread worker prelude that lets tfjs-backend-wasm's Node worker script run under Deno.
//
// Emscripten's worker script, in its Node branch, makes the worker_threads global look like a browser worker:
// `Object.assign(global, { self, location, Worker, importScripts, postMessage, performance, ... })`, then sets
// `self.onmessage`, `self.onunhandledrejection` and `self.alert`. Node's global has none of these, so the
// assignments add plain properties. Deno runs a worker_threads Worker as a web worker whose global scope
// (DedicatedWorkerGlobalScope) defines several of them as accessors: `location` has only a getter, so the
// assignment throws ("Cannot set property location of #<DedicatedWorkerGlobalScope> which has only a getter")
// and the pthread never starts; `onmessage` is the scope's real event handler, so setting it would deliver
// every message a second time next to Deno's parentPort. Before the script runs (Deno only) we shadow each of
// these accessors with a plain writable property holding its current value: the script then assigns as in
// Node, and Deno's own messaging (which uses addEventListener, not the property) is left alone.

/** Globals the Emscripten worker script assigns; the ones that are accessors in a Deno worker are shadowed. */
export const WORKER_SCRIPT_GLOBALS = [
  'self',
  'location',
  'Worker',
  'importScripts',
  'postMessage',
  'performance',
  'onmessage',
  'onunhandledrejection',
  'alert',
] as const;

/** JavaScript run at the top of the worker file: a no-op outside Deno. */
export function denoWorkerPrelude(): string {
  return [
    "if (typeof Deno === 'object' && Deno !== null) {",
    `  for (const name of ${JSON.stringify(WORKER_SCRIPT_GLOBALS)}) {`,
    '    let owner = globalThis;',
    '    let desc;',
    '    while (owner && !(desc = Object.getOwnPropertyDescriptor(owner, name))) owner = Object.getPrototypeOf(owner);',
    '    if (desc && (desc.get || desc.set) && !(owner === globalThis && desc.configurable === false)) {',
    "      const value = name.startsWith('on') ? null : globalThis[name];",
    '      Object.defineProperty(globalThis, name, { value, writable: true, configurable: true, enumerable: true });',
    '    }',
    '  }',
    '}',
  ].join('\n');
}
