// The backends `initBackend` knows, in the order 'auto' tries them (fastest first).
export const BACKEND_NAMES = ['tensorflow-gpu', 'tensorflow', 'webgpu', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];
export type BackendChoice = BackendName | 'auto';

export function isBackendChoice(value: unknown): value is BackendChoice {
  return value === 'auto' || (BACKEND_NAMES as readonly unknown[]).includes(value);
}
