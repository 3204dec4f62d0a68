// Runs TypeScript under Deno from the tests: the `deno` devDependency's executable (the binary of its npm
// platform package), `deno run -A` with sloppy imports, so a child script imports src/ by its `.js` specifiers
// exactly as tsx does under Node.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';

let cached: string | undefined;

/** The deno executable of the `deno` devDependency. */
export function denoExecutable(): string {
  if (cached === undefined) {
    const install = createRequire(import.meta.url)('deno/install_api.cjs') as { runInstall(): string };
    cached = install.runInstall();
  }
  return cached;
}

export interface DenoRun {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs `script` (a path) under Deno with every permission; `env` is added to this process's environment. */
export function runDeno(
  script: string,
  args: string[] = [],
  options: { env?: Record<string, string>; timeoutMs?: number } = {},
): DenoRun {
  const res = spawnSync(denoExecutable(), ['run', '-A', '--quiet', '--sloppy-imports', script, ...args], {
    encoding: 'utf8',
    timeout: options.timeoutMs ?? 120_000,
    env: { ...process.env, NO_COLOR: '1', DENO_NO_UPDATE_CHECK: '1', ...options.env },
  });
  return { status: res.status, signal: res.signal, stdout: res.stdout, stderr: res.stderr };
}

/** The last line of a child's stdout parsed as JSON (children print one JSON line last). */
export function lastJsonLine<T>(run: DenoRun): T {
  const line = run.stdout.trim().split('\n').at(-1) ?? '';
  try {
    return JSON.parse(line) as T;
  } catch {
    throw new Error(
      `the Deno child printed no JSON line last:\nstdout: ${run.stdout}\nstderr: ${run.stderr}`,
    );
  }
}
