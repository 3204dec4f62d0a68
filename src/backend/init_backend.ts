// Chooses and initialises the tfjs backend, and says what it chose and why.
import { BACKEND_NAMES, type BackendChoice, type BackendName, isBackendChoice } from './backend_names.js';
import { CANDIDATES, type ModuleImporter } from './candidates.js';
import { registerGradients } from './register_gradients.js';
import { type AdapterProber, probeWebGpuAdapter } from './webgpu/adapter_probe.js';

export interface BackendReport {
  /** The backend now active. */
  name: BackendName;
  /** Why it is usable (adapter, threads, ...). */
  reason: string;
  /** Backends tried before it, with the reason each was passed over. */
  skipped: { name: BackendName; why: string }[];
}

export interface InitBackendOptions {
  /** Stand-in for dynamic `import()`, for tests. */
  importModule?: ModuleImporter;
  /** Threads for the wasm backend (default: the machine's cores, at most 8). */
  wasmThreads?: number;
  /** Stand-in for the child-process WebGPU adapter probe that 'auto' runs, for tests. */
  probeWebGpuAdapter?: AdapterProber;
}

const defaultImporter: ModuleImporter = (specifier) => import(specifier);

/**
 * Initialises a backend. `'auto'` tries tensorflow-gpu, tensorflow, webgpu, wasm, cpu in that order and keeps
 * the first that works, passing over a software WebGPU adapter (lavapipe, SwiftShader: slower than wasm) found
 * by a silent child-process probe; a named choice tries only that one (a software adapter included) and throws
 * if it does not work.
 */
export async function initBackend(
  choice: BackendChoice = 'auto',
  options: InitBackendOptions = {},
): Promise<BackendReport> {
  if (!isBackendChoice(choice)) {
    throw new Error(
      `initBackend: argument 'choice' must be 'auto' or one of ${BACKEND_NAMES.join(', ')}; got ${JSON.stringify(choice)}`,
    );
  }
  await registerGradients();
  const ctx = {
    importModule: options.importModule ?? defaultImporter,
    wasmThreads: options.wasmThreads,
    auto: choice === 'auto',
    probeWebGpuAdapter: options.probeWebGpuAdapter ?? (() => probeWebGpuAdapter()),
  };
  const order = choice === 'auto' ? CANDIDATES : CANDIDATES.filter((c) => c.name === choice);
  const skipped: BackendReport['skipped'] = [];
  for (const candidate of order) {
    try {
      const reason = await candidate.activate(ctx);
      return { name: candidate.name, reason, skipped };
    } catch (err) {
      skipped.push({ name: candidate.name, why: err instanceof Error ? err.message : String(err) });
    }
  }
  const detail = skipped.map((s) => `  ${s.name}: ${s.why}`).join('\n');
  throw new Error(`initBackend('${choice}'): no usable backend\n${detail}`);
}
