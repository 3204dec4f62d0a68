// The explorer's backend in the reader's browser: WebGPU where the browser has a hardware adapter, else tfjs's
// wasm backend (XNNPACK) with this project's wasm kernels registered exactly as initBackend('wasm') registers
// them in Node, so the page computes what the library computes. `?backend=wasm|webgpu|cpu` in the page's
// URL forces one. The .wasm binaries are served next to the page (wasm/), never from a CDN.
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-webgpu';
import * as tf from '@tensorflow/tfjs-core';
import { registerWasmKernels } from '../../src/backend/wasm/register_wasm_kernels.js';

export type BrowserBackend = 'webgpu' | 'wasm' | 'cpu';

interface GpuLike {
  requestAdapter(): Promise<{ info?: { isFallbackAdapter?: boolean } } | null>;
}

/** True when the browser offers a WebGPU adapter that is not a software fallback. */
async function hasHardwareWebGpu(): Promise<boolean> {
  const gpu = (globalThis.navigator as { gpu?: GpuLike } | undefined)?.gpu;
  if (gpu === undefined) return false;
  try {
    const adapter = await gpu.requestAdapter();
    return adapter !== null && adapter.info?.isFallbackAdapter !== true;
  } catch {
    return false;
  }
}

/** Picks and initialises the backend; returns its name and why it was chosen. */
export async function initBrowserBackend(
  wasmDir: string,
  forced: string | null,
): Promise<{ name: BrowserBackend; why: string }> {
  if (forced !== null && forced !== 'wasm' && forced !== 'webgpu' && forced !== 'cpu') {
    throw new Error(
      `explorer: URL parameter 'backend' must be wasm, webgpu or cpu; got ${JSON.stringify(forced)}`,
    );
  }
  setWasmPaths(wasmDir);
  const order: BrowserBackend[] =
    forced !== null ? [forced] : (await hasHardwareWebGpu()) ? ['webgpu', 'wasm'] : ['wasm', 'cpu'];
  for (const name of order) {
    if (await tf.setBackend(name)) {
      await tf.ready();
      if (name === 'wasm') registerWasmKernels();
      const why =
        forced !== null
          ? 'chosen by the page URL'
          : name === 'webgpu'
            ? 'the browser has a WebGPU adapter'
            : name === 'wasm'
              ? 'no hardware WebGPU adapter in this browser'
              : 'WebAssembly failed to start';
      return { name, why };
    }
  }
  throw new Error(`explorer: no backend of ${order.join(', ')} started in this browser`);
}
