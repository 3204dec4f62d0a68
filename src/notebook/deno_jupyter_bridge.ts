// The one place that reaches Deno's Jupyter API (`Deno.jupyter`), for notebooks run on Deno's own kernel
// (`deno jupyter`) instead of tslab. Read from the global on use, never imported, so the library loads the same
// under Node; typed by the small interface below rather than Deno's own declarations.
//
// `Deno.jupyter.broadcast(msgType, content)` publishes one message on the kernel's IOPub channel with the
// running cell as parent: `display_data` (a MIME bundle, optionally with a display id) and
// `update_display_data` (replaces the output that has that id) are all the display helpers need. It queues the
// message and returns (Deno 2.9 returns nothing; its declarations say a promise); another thread sends it, in
// the order of the calls (notebook_host.ts has what that means for a cell's last outputs). Outside
// `deno jupyter` (e.g. `deno run`) reading `Deno.jupyter` throws.

/** The subset of Deno.jupyter this module uses. */
export interface DenoJupyter {
  broadcast(msgType: string, content: Record<string, unknown>): Promise<void> | undefined;
}

let replacement: DenoJupyter | undefined;

interface DenoLike {
  version?: { deno?: string };
  jupyter?: unknown;
}

function denoGlobal(): DenoLike | undefined {
  const d = (globalThis as { Deno?: DenoLike }).Deno;
  return typeof d === 'object' && d !== null ? d : undefined;
}

/** Whether this process is Deno (its Jupyter kernel or any other Deno command). */
export function runningUnderDeno(): boolean {
  return replacement !== undefined || typeof denoGlobal()?.version?.deno === 'string';
}

/** Deno's Jupyter API when this code runs inside Deno's kernel, else undefined. */
export function denoJupyter(): DenoJupyter | undefined {
  if (replacement !== undefined) return replacement;
  const deno = denoGlobal();
  if (deno === undefined) return undefined;
  try {
    const jupyter = deno.jupyter as Partial<DenoJupyter> | undefined;
    return typeof jupyter?.broadcast === 'function' ? (jupyter as DenoJupyter) : undefined;
  } catch {
    return undefined; // "Deno.jupyter is only available in `deno jupyter` subcommand"
  }
}

/** Replaces Deno.jupyter (tests, or a host that speaks the same API); call with no argument to restore it. */
export function setDenoJupyterBridge(jupyter?: DenoJupyter): void {
  replacement = jupyter;
}
