// Which kernel the notebook runs on, and how a display reaches it. The display helpers (figures, tables,
// images, progress) write through one NotebookHost:
//   tslab     its public Display API (one MIME type per message) and, for multi-MIME bundles, its kernel's
//             display writer (tslab_bridge.ts); exactly the calls the helpers made before there were two hosts;
//   deno      Deno's own Jupyter kernel: display_data / update_display_data through Deno.jupyter.broadcast
//             (deno_jupyter_bridge.ts).
// The host is chosen on each call: Deno's when Deno.jupyter is there, else tslab, so the notebooks' cells run
// unchanged under either kernel.
//
// Deno's kernel (2.9) loses a message of about 10 MB and stops answering for minutes after it; an 8 MB one
// still arrives. A host may therefore state the largest message it should be sent (`maxMessageChars`);
// showFigure then sends plotly.js (10 MB) in parts below that size rather than inside the first figure.
// Deno.jupyter.broadcast only queues a message: another thread sends it, stamped with the request being run
// when it goes out, while the cell's reply and idle status are sent as soon as the cell returns. Small messages
// leave long before that; after large ones (the library's parts) the cell waits, synchronously, until all that
// was queued would be sent at a rate well below what we measured (DENO_SEND_CHARS_PER_MS), so that no output
// arrives after the cell's idle status (and is lost) or is stamped with the next cell. A new output (a figure,
// table or image: what a cell usually ends with) also waits a short floor (DENO_NEW_OUTPUT_WAIT_MS): without it
// a small last output was lost now and then on a loaded machine (seen in CI for a figure of a few kB), since the
// sending thread had not run before the cell returned. Updates of a display (progress) do not wait.
import { type DenoJupyter, denoJupyter, runningUnderDeno } from './deno_jupyter_bridge.js';
import { displayWriter, loadTslab } from './tslab_bridge.js';

/** A Jupyter MIME bundle: MIME type -> representation. */
export type MimeBundle = Record<string, unknown>;

/** One output that can be replaced in place. */
export interface UpdatableDisplay {
  html(s: string): void;
}

export interface NotebookHost {
  readonly kind: 'tslab' | 'deno';
  /** Shows HTML as one output. */
  html(s: string): void;
  /** Shows one output carrying several MIME types; false where this host cannot (the caller falls back). */
  bundle(data: MimeBundle): boolean;
  /** Shows one MIME type as one output (tslab's display.raw). */
  raw(mime: string, value: string): void;
  /** A new output that later calls replace. */
  newDisplay(): UpdatableDisplay;
  /** The largest message (in characters) this host should be sent; undefined: no limit. */
  readonly maxMessageChars?: number;
}

const tslabHost: NotebookHost = {
  kind: 'tslab',
  html: (s) => loadTslab().display.html(s),
  bundle: (data) => {
    const writer = displayWriter();
    if (writer === undefined) return false;
    writer({ data, metadata: {}, transient: {} }, false);
    return true;
  },
  raw: (mime, value) => {
    loadTslab().display.raw(mime, value);
  },
  newDisplay: () => loadTslab().newDisplay(),
};

/** Below the size at which Deno's kernel drops a message, with a wide margin. */
export const DENO_MAX_MESSAGE_CHARS = 2_000_000;
/**
 * The sending rate the cell's wait assumes: 10 MB/s, far below the rate measured on an idle machine (over
 * 300 MB/s), since the sending thread shares the cores with the cell's own work.
 */
export const DENO_SEND_CHARS_PER_MS = 10_000;

/** The least a cell waits after queueing a new output, so the sending thread runs before the cell returns. */
export const DENO_NEW_OUTPUT_WAIT_MS = 50;

/** Blocks this thread for `ms` (the sending thread keeps running). */
function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** About how many characters a MIME bundle puts on the wire. */
function bundleChars(data: MimeBundle): number {
  let n = 0;
  for (const value of Object.values(data)) {
    n += typeof value === 'string' ? value.length : JSON.stringify(value).length;
  }
  return n;
}

let displayCounter = 0;
// Per-process prefix: display ids stay unique across kernel restarts within one saved notebook.
const session = Math.random().toString(36).slice(2, 8);

/** The host for Deno's kernel, over the given Deno.jupyter (`wait`: the synchronous wait, for tests). */
export function denoHost(
  jupyter: DenoJupyter,
  wait: (ms: number) => void = sleepSync,
  now: () => number = performance.now.bind(performance),
): NotebookHost {
  // When the messages queued so far should all be sent, at the assumed rate.
  let sentBy = Number.NEGATIVE_INFINITY;
  const send = (msgType: string, data: MimeBundle, displayId?: string): void => {
    const content = {
      data,
      metadata: {},
      transient: displayId === undefined ? {} : { display_id: displayId },
    };
    // Queued when called (order kept). Deno 2.9 returns nothing, its declarations a promise: a failure that
    // comes later can only be reported, the cell has moved on.
    const sent: unknown = jupyter.broadcast(msgType, content);
    if (sent instanceof Promise) {
      sent.catch((err: unknown) => {
        console.error(
          `notebook display: Deno.jupyter.broadcast(${msgType}) failed: ${(err as Error)?.message ?? err}`,
        );
      });
    }
    const start = now();
    sentBy = Math.max(sentBy, start) + bundleChars(data) / DENO_SEND_CHARS_PER_MS;
    // A new output waits at least the floor; an update only when its sending takes a millisecond or more.
    const floor = msgType === 'display_data' ? DENO_NEW_OUTPUT_WAIT_MS : 0;
    const pending = sentBy - start;
    if (pending >= 1 || floor > 0) wait(Math.max(floor, Math.ceil(pending)));
  };
  return {
    kind: 'deno',
    maxMessageChars: DENO_MAX_MESSAGE_CHARS,
    html: (s) => send('display_data', { 'text/html': s }),
    bundle: (data) => {
      send('display_data', data);
      return true;
    },
    raw: (mime, value) => send('display_data', { [mime]: value }),
    newDisplay: () => {
      const id = `bs-display-${session}-${++displayCounter}`;
      let shown = false;
      return {
        html: (s) => {
          send(shown ? 'update_display_data' : 'display_data', { 'text/html': s }, id);
          shown = true;
        },
      };
    },
  };
}

/** The kernel this code runs in: Deno's when Deno.jupyter is available, else tslab. */
export function notebookHost(): NotebookHost {
  const jupyter = denoJupyter();
  if (jupyter !== undefined) return denoHost(jupyter);
  if (runningUnderDeno()) {
    throw new Error(
      'notebook display: running under Deno but not in its Jupyter kernel (Deno.jupyter exists only under `deno jupyter`); the display helpers need a notebook kernel',
    );
  }
  return tslabHost;
}
