// Thread configuration for the wasm backend.
export interface WasmThreads {
  inUse: number;
  note?: string;
}

export function configureWasmThreads(_requested?: number): WasmThreads {
  return { inUse: 1, note: 'threads not yet enabled in Node' };
}
