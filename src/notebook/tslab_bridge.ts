// The one place that loads tslab (the notebook module is the only one touching it). Loaded lazily with
// require on first use, so the library runs (and its tests pass) without tslab installed; typed by the small
// interfaces below rather than tslab's own types, so published declarations never name the package.
//
// tslab's public Display sends one MIME type per display_data message (display.html, display.png, ...,
// display.raw(type, data)). A frontend picks the richest MIME type of a single message, so a Plotly figure
// should travel as ONE message holding both `application/vnd.plotly.v1+json` and `text/html`. tslab has no
// public call for that, but its kernel keeps the current cell's display writer in
// `require('tslab/dist/jupyter').lastWriteDisplayData(content, update)` (tslab 1.0.x), which is what its own
// Display.raw calls with a one-entry bundle. We use that writer when present and fall back to the public
// one-MIME API (HTML) otherwise, e.g. if a future tslab moves it.
import { createRequire } from 'node:module';

/** The subset of tslab's Display this module uses. */
export interface TslabDisplay {
  html(s: string): void;
  text(s: string): void;
  png(b: Uint8Array): void;
  raw(contentType: string, b: string | Uint8Array): unknown;
}

export interface TslabModule {
  display: TslabDisplay;
  newDisplay(): TslabDisplay;
}

/** A Jupyter display_data content: a MIME bundle, metadata and (for in-place updates) a display id. */
export interface DisplayContent {
  data: Record<string, unknown>;
  metadata: Record<string, unknown>;
  transient?: { display_id?: string };
}

export type DisplayWriter = (content: DisplayContent, update: boolean) => void;

interface Bridge {
  tslab: () => TslabModule;
  /** The multi-MIME writer, or undefined when not available (not in a tslab cell, other tslab version). */
  writer: () => DisplayWriter | undefined;
}

const requireHere = createRequire(import.meta.url);

// tslab throws a bare Error('Not ready') when a display is used outside a running cell (plain node, a test
// runner): say what that means.
function explained(display: TslabDisplay): TslabDisplay {
  const wrap =
    <A extends unknown[], R>(name: string, f: (...a: A) => R) =>
    (...args: A): R => {
      try {
        return f(...args);
      } catch (err) {
        if ((err as Error)?.message === 'Not ready') {
          throw new Error(
            `notebook display (${name}): not inside a running tslab cell; the display helpers need a tslab kernel (tslab says 'Not ready')`,
          );
        }
        throw err;
      }
    };
  return {
    html: wrap('html', (s: string) => display.html(s)),
    text: wrap('text', (s: string) => display.text(s)),
    png: wrap('png', (b: Uint8Array) => display.png(b)),
    raw: wrap('raw', (t: string, b: string | Uint8Array) => display.raw(t, b)),
  };
}

let tslabCache: TslabModule | undefined;

const realBridge: Bridge = {
  tslab: () => {
    if (tslabCache) return tslabCache;
    try {
      const t = requireHere('tslab') as TslabModule;
      tslabCache = { display: explained(t.display), newDisplay: () => explained(t.newDisplay()) };
      return tslabCache;
    } catch (err) {
      throw new Error(
        `notebook display: the 'tslab' package cannot be loaded (${(err as Error).message}); the display helpers run inside a tslab kernel`,
      );
    }
  },
  writer: () => {
    try {
      const jupyter = requireHere('tslab/dist/jupyter') as { lastWriteDisplayData?: unknown };
      const w = jupyter.lastWriteDisplayData;
      return typeof w === 'function' ? (w as DisplayWriter) : undefined;
    } catch {
      return undefined;
    }
  },
};

let bridge: Bridge = realBridge;

/** tslab itself (throws a clear error outside an environment that has it). */
export function loadTslab(): TslabModule {
  return bridge.tslab();
}

/** The kernel's multi-MIME display writer, when this tslab exposes it. */
export function displayWriter(): DisplayWriter | undefined {
  return bridge.writer();
}

/**
 * Replaces tslab and its display writer (tests, or a host other than tslab, e.g. a custom kernel);
 * call with no argument to restore the real tslab.
 */
export function setTslabBridge(replacement?: { tslab: TslabModule; writer?: DisplayWriter }): void {
  bridge = replacement ? { tslab: () => replacement.tslab, writer: () => replacement.writer } : realBridge;
}
