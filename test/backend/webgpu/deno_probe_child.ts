// Child process for deno_webgpu.test.ts, run under Deno: what initBackend('auto')'s adapter probe answers there
// (a `deno eval` child asking Deno's navigator.gpu). Prints one JSON line.
// Usage: deno run -A --sloppy-imports deno_probe_child.ts

import { probeWebGpuAdapter } from '../../../src/backend/webgpu/adapter_probe.js';
import { isDeno } from '../../../src/io/deno_runtime.js';

const probe = await probeWebGpuAdapter();
process.stdout.write(`${JSON.stringify({ deno: isDeno(), probe })}\n`);
