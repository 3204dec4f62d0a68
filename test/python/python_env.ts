// How the tests reach the PyTorch twin (python/): Debian's python3 with python3-torch, python3-scipy and
// python3-torchvision (installed by .ci/run). A missing interpreter or package fails the test with the apt line
// that fixes it, rather than skipping: these checks are the only thing holding the two implementations together.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

export const PYTHON = process.env.BATCH_SHAPING_TORCH_PYTHON ?? '/usr/bin/python3';
export const PYTHON_DIR = join(import.meta.dirname, '..', '..', 'python');

export interface PythonRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `PYTHON args` with python/ on PYTHONPATH; torch kept to `threads` threads (a 2-core CI machine). */
export function runPython(args: string[], env: Record<string, string> = {}, threads = 1): PythonRun {
  const res = spawnSync(PYTHON, args, {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    env: {
      ...process.env,
      PYTHONPATH: PYTHON_DIR,
      OMP_NUM_THREADS: String(threads),
      CROSSCHECK_THREADS: String(threads),
      ...env,
    },
  });
  if (res.error !== undefined) {
    throw new Error(`${PYTHON} could not start (${res.error.message}); install Debian's python3`);
  }
  return { status: res.status, stdout: res.stdout, stderr: res.stderr };
}

/** Throws with the fix when torch, scipy or torchvision cannot be imported by PYTHON. */
export function requireTorch(): void {
  const res = runPython(['-c', 'import torch, scipy, torchvision']);
  if (res.status !== 0) {
    throw new Error(
      `${PYTHON} cannot import torch, scipy and torchvision (${res.stderr.trim().split('\n').pop()}); run: apt-get install python3-torch python3-scipy python3-torchvision python3-pil (as .ci/run does)`,
    );
  }
}
