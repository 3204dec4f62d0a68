// Test setup: the project's Python environment (.venv, made by scripts/python_env.sh) for the tests that check
// our files and notebooks with our users' own tools (pandas/pyarrow, Polars, safetensors + PyTorch, JupyterLab).
//
// Where the environment is missing, a developer's run skips those tests, saying how to make it; under CI
// (CI=true, as .ci/run runs) a missing environment fails them instead, so they can never skip silently there.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const VENV = join(REPO_ROOT, '.venv');
export const VENV_PYTHON = join(VENV, 'bin', 'python');
export const VENV_JUPYTER_LAB = join(VENV, 'bin', 'jupyter-lab');

const inCi = (process.env.CI ?? '') !== '' && process.env.CI !== 'false';

/**
 * A node:test `skip` value for tests that need `modules` in .venv: false when they import, else the reason.
 * Under CI it throws instead (the test file then fails to load, naming the reason).
 */
export function skipWithoutPython(modules: readonly string[]): false | string {
  let reason: string | undefined;
  if (!existsSync(VENV_PYTHON)) {
    reason = `${VENV_PYTHON} is missing (run scripts/python_env.sh)`;
  } else {
    const probe = spawnSync(VENV_PYTHON, ['-c', `import ${modules.join(', ')}`], { encoding: 'utf8' });
    if (probe.status !== 0) {
      reason = `${VENV_PYTHON} cannot import ${modules.join(', ')} (run scripts/python_env.sh): ${probe.stderr.trim().split('\n').pop()}`;
    }
  }
  if (reason === undefined) return false;
  if (inCi) throw new Error(`CI=${process.env.CI}: ${reason}`);
  return reason;
}

/** Runs a Python script in .venv with `args`; returns its parsed JSON stdout, or throws with its stderr. */
export function runPython<T = unknown>(
  script: string,
  args: readonly string[] = [],
  options: { cwd?: string } = {},
): T {
  const out = spawnSync(VENV_PYTHON, ['-c', script, ...args], {
    encoding: 'utf8',
    maxBuffer: 64 << 20,
    cwd: options.cwd,
  });
  if (out.status !== 0) {
    throw new Error(`python exited with ${out.status}:\n${out.stderr}\n--- script ---\n${script}`);
  }
  try {
    return JSON.parse(out.stdout) as T;
  } catch {
    throw new Error(`python printed no JSON:\n${out.stdout.slice(0, 2000)}\n${out.stderr}`);
  }
}
