// Whether the library runs under Deno (its Jupyter kernel, `deno run`) rather than Node, and where Deno's
// executable is. Deno runs the package through its Node compatibility layer, so nearly everything is shared;
// the backends differ in two places: Deno has its own WebGPU (`navigator.gpu`, wgpu), where Node needs
// Dawn from the `webgpu` package, and a child process must be started with Deno's own command line.

interface DenoGlobal {
  version?: { deno?: string };
  execPath?: () => string;
}

function denoGlobal(): DenoGlobal | undefined {
  const d = (globalThis as { Deno?: DenoGlobal }).Deno;
  return typeof d === 'object' && d !== null && typeof d.version?.deno === 'string' ? d : undefined;
}

/** Deno's version when running under Deno, else undefined (Node). */
export function denoVersion(): string | undefined {
  return denoGlobal()?.version?.deno;
}

/** Whether this process is Deno. */
export function isDeno(): boolean {
  return denoGlobal() !== undefined;
}

/** The deno executable running this process (under Deno only). */
export function denoExecPath(): string {
  const d = denoGlobal();
  if (d?.execPath === undefined) throw new Error('denoExecPath: not running under Deno');
  return d.execPath();
}
