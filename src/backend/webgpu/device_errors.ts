// Turns WebGPU errors nobody captured into exceptions of the library.
//
// Why: a command buffer that fails validation (an oversized binding, a pipeline over a device limit, ...) is
// dropped whole by the GPU process; the kernels in it never run and their outputs keep whatever they held.
// WebGPU reports this only through the device's 'uncapturederror' event, which Dawn prints as one console line:
// training goes on with wrong numbers. A lost device (driver reset, out of memory) is reported through
// `device.lost`. We listen to both, and the next readback (`await t.data()`, `t.array()`) or the next kernel the
// backend runs throws an Error that says what the device reported; after a validation error the following ones
// run again (the error is reported once), after a lost device every later call throws.
// The event is dispatched while the failing call (createBuffer, queue.submit, ...) runs, so the readback that
// submitted the bad work already sees it.

/** The part of GPUDevice we use (Dawn's Node binding implements it). */
export interface ErrorReportingDevice {
  addEventListener(type: 'uncapturederror', listener: (event: Event) => void): void;
  lost: Promise<{ reason: string; message: string }>;
}

/** The part of tfjs-backend-webgpu's WebGPUBackend we wrap. */
export interface WatchedBackend {
  read(dataId: object): Promise<unknown>;
  runWebGPUProgram(...args: unknown[]): unknown;
}

export class DeviceErrorWatch {
  private pending: string | undefined;
  private lost: string | undefined;

  constructor(device: ErrorReportingDevice) {
    device.addEventListener('uncapturederror', (event) => {
      const error = (event as Event & { error?: { message?: string; constructor?: { name?: string } } })
        .error;
      const kind = error?.constructor?.name ?? 'GPUError';
      const message = `${kind}: ${error?.message ?? 'no message'}`.trim();
      this.pending ??= message; // the first error explains the rest
      event.preventDefault(); // reported by us, not printed
    });
    device.lost.then((info) => {
      if (info.reason !== 'destroyed') this.lost = `device lost (${info.reason}): ${info.message}`;
    });
  }

  /** Throws if the device reported an error since the last check (`where`: the call that noticed it). */
  check(where: string): void {
    if (this.lost !== undefined) {
      throw new Error(`webgpu: ${where}: the WebGPU ${this.lost}; re-initialise the backend`);
    }
    const pending = this.pending;
    if (pending === undefined) return;
    this.pending = undefined;
    throw new Error(
      `webgpu: ${where}: the GPU rejected queued work (${firstLines(pending)}); the kernels submitted with it did not run, so values computed since the previous readback are wrong`,
    );
  }

  /** Wraps the backend's readback and kernel launch so that both check for reported errors. */
  attach(backend: WatchedBackend): void {
    const read = backend.read.bind(backend);
    const run = backend.runWebGPUProgram.bind(backend);
    backend.read = async (dataId) => {
      this.check('reading a tensor (data/array)');
      const values = await read(dataId);
      this.check('reading a tensor (data/array)');
      return values;
    };
    backend.runWebGPUProgram = (...args) => {
      this.check('running a kernel');
      return run(...args);
    };
  }
}

function firstLines(message: string): string {
  return message.split('\n').slice(0, 3).join(' ').replace(/\s+/g, ' ').slice(0, 600);
}
