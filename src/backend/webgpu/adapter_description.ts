// What a WebGPU adapter says about itself, and whether it is a software rasteriser rather than a GPU.
//
// Why: initBackend('auto') should not choose a CPU emulation of a GPU over the wasm backend (on lavapipe a
// gated ResNet-20 trains 4-5x slower than on wasm). WebGPU marks such adapters `isFallbackAdapter`; drivers
// that do not (older Dawn, SwiftShader or lavapipe exposed as an ordinary Vulkan device) are recognised by the
// names they report: Mesa's lavapipe says vendor 'mesa', architecture 'software', device 'llvmpipe-...'.

export interface AdapterDescription {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  isFallbackAdapter: boolean;
}

/** Copies the adapter's info fields (GPUAdapterInfo's are prototype getters, invisible to JSON/spread). */
export function describeAdapter(adapter: { info?: object; isFallbackAdapter?: boolean }): AdapterDescription {
  const info = (adapter.info ?? {}) as Partial<Record<keyof AdapterDescription, unknown>>;
  const text = (v: unknown) => (typeof v === 'string' ? v : '');
  return {
    vendor: text(info.vendor),
    architecture: text(info.architecture),
    device: text(info.device),
    description: text(info.description),
    isFallbackAdapter: info.isFallbackAdapter === true || adapter.isFallbackAdapter === true,
  };
}

/** One line naming the adapter, e.g. "mesa software llvmpipe (llvmpipe: Mesa 25.0.7 ...)". */
export function adapterLabel(d: AdapterDescription): string {
  const name = [d.vendor, d.architecture, d.device].filter(Boolean).join(' ');
  return [name, d.description ? `(${d.description})` : ''].filter(Boolean).join(' ') || 'unnamed adapter';
}

const SOFTWARE_NAMES = /llvmpipe|lavapipe|swiftshader|softpipe|software|microsoft basic render/i;

/** Why the adapter is a software one, or undefined for a hardware GPU. */
export function softwareAdapterReason(d: AdapterDescription): string | undefined {
  if (d.isFallbackAdapter) return 'it is a fallback (software) adapter';
  const named = [d.architecture, d.device, d.description].find((s) => SOFTWARE_NAMES.test(s));
  return named === undefined ? undefined : `it reports itself as a software renderer ('${named}')`;
}
