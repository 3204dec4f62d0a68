// A clear error for synchronous reads (dataSync, arraySync, bufferSync) of tensors in GPU memory on the webgpu
// backend in Node. tfjs-backend-webgpu reads synchronously through an OffscreenCanvas, which Node does not have,
// and fails with "OffscreenCanvas is not defined"; values already on the host are still returned.

export interface SyncReadingBackend {
  readSync(dataId: object): unknown;
}

export function guardSyncReadback(backend: SyncReadingBackend): void {
  const readSync = backend.readSync.bind(backend);
  backend.readSync = (dataId) => {
    try {
      return readSync(dataId);
    } catch (err) {
      if (!(err instanceof ReferenceError && /OffscreenCanvas/.test(err.message))) throw err;
      throw new Error(
        'webgpu: synchronous readback (dataSync, arraySync, bufferSync) is not available in Node; read tensors with `await t.data()` or `await t.array()`',
      );
    }
  };
}
