// Asks Dawn for a WebGPU adapter in a child Node process, so that whatever Dawn or the Vulkan loader prints
// (warnings about limits, a broken ICD's complaints, a C++ stack line) is captured instead of reaching our
// stderr, and a driver that crashes takes down the child, not the caller. initBackend('auto') uses it to
// decide whether the webgpu backend is worth loading at all; what the probe saw goes into the reason.
// Under Deno the child is `deno eval` asking Deno's own navigator.gpu (wgpu) instead of Dawn.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { denoExecPath, isDeno } from '../../io/deno_runtime.js';
import type { AdapterDescription } from './adapter_description.js';

export interface AdapterProbe {
  /** The adapter Dawn offers (high-performance preference), or undefined when it offers none. */
  adapter?: AdapterDescription;
  /** Why there is no adapter (no Dawn binary, no driver, a crash), with the first lines Dawn printed. */
  problem?: string;
}

/** Probes for an adapter; injectable so tests can stand in for machines they are not. */
export type AdapterProber = () => Promise<AdapterProbe>;

// The adapter's description as the child prints it (after `adapter` has been requested).
const REPORT = `
let out = { found: false };
if (adapter !== null) {
  const i = adapter.info ?? {};
  out = { found: true, adapter: { vendor: i.vendor ?? '', architecture: i.architecture ?? '', device: i.device ?? '',
    description: i.description ?? '', isFallbackAdapter: i.isFallbackAdapter === true || adapter.isFallbackAdapter === true } };
}
`;

// Runs in a Node child: argv[1] is the path of the `webgpu` package's entry.
const CHILD = `
const { pathToFileURL } = await import('node:url');
const { create } = await import(pathToFileURL(process.argv[1]).href);
const adapter = await create([]).requestAdapter({ powerPreference: 'high-performance' });
${REPORT}
process.stdout.write(JSON.stringify(out) + '\\n', () => process.exit(0));
`;

// Runs in a Deno child (`deno eval`): Deno's built-in WebGPU.
const DENO_CHILD = `
const adapter = navigator.gpu === undefined ? null : await navigator.gpu.requestAdapter({ powerPreference: 'high-performance' });
${REPORT}
console.log(JSON.stringify(out));
Deno.exit(0);
`;

/** The first few distinct non-empty lines of what the child printed on stderr, on one line. */
export function summariseStderr(stderr: string): string {
  const lines = [
    ...new Set(
      stderr
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => l.length > 0),
    ),
  ];
  return lines.slice(0, 3).join(' | ').slice(0, 400);
}

/** The child's command line: Node with Dawn, or Deno with its own WebGPU. */
function probeCommand(): { command: string; args: string[]; label: string } | { problem: string } {
  if (isDeno())
    return { command: denoExecPath(), args: ['eval', '--quiet', DENO_CHILD], label: 'Deno (wgpu)' };
  try {
    const entry = createRequire(import.meta.url).resolve('webgpu');
    return { command: process.execPath, args: ['--input-type=module', '-e', CHILD, entry], label: 'Dawn' };
  } catch {
    return { problem: "the 'webgpu' package (Dawn) is not installed" };
  }
}

export function probeWebGpuAdapter(timeoutMs = 30_000): Promise<AdapterProbe> {
  const how = probeCommand();
  if ('problem' in how) return Promise.resolve({ problem: how.problem });
  return new Promise((resolve) => {
    const child = spawn(how.command, how.args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: timeoutMs,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.on('error', (err) => resolve({ problem: `could not start the probe: ${err.message}` }));
    child.on('close', (code, signal) => {
      const said = summariseStderr(stderr);
      const tail = said ? `; ${how.label} printed: ${said}` : '';
      const line = stdout.split('\n').find((l) => l.startsWith('{'));
      if (line === undefined) {
        const how = signal !== null ? `was killed by ${signal}` : `exited with status ${code}`;
        resolve({ problem: `the adapter probe ${how} without an answer${tail}` });
        return;
      }
      const parsed = JSON.parse(line) as { found: boolean; adapter?: AdapterDescription };
      if (!parsed.found) {
        resolve({
          problem: `${how.label} found no WebGPU adapter (no GPU, or no working Vulkan driver)${tail}`,
        });
        return;
      }
      resolve({ adapter: parsed.adapter! });
    });
  });
}
