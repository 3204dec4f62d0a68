// Host buffers for gathered weights and patches. On the wasm backend tf.tensor copies its values into the wasm
// heap at once, so one reused buffer spares allocating (and later collecting) megabytes per gather: gathering
// and uploading a [256, 4608] weight took 2.9 ms with a fresh Float32Array per gather, 0.8 ms with a reused one
// (dev machine, wasm). The cpu and webgpu backends keep a reference to the array they are given, so there
// every call gets a fresh array.

let shared = new Float32Array(0);

/** A Float32Array of `size` elements with unspecified contents, valid until the next call. */
export function gatherBuffer(size: number, backend: string): Float32Array {
  if (backend !== 'wasm') return new Float32Array(size);
  if (shared.length < size) shared = new Float32Array(Math.max(size, Math.ceil(shared.length * 1.5)));
  return shared.subarray(0, size);
}
