// Installs the tslab Jupyter kernel for this checkout's notebooks, without IPython.
//
// `npx tslab install` shells out to `python3 -m jupyter kernelspec install`, which needs IPython's tooling;
// the kernelspec is only a folder holding kernel.json, so we write it ourselves into a project folder:
//   notebooks/.jupyter/kernels/tslab/kernel.json   (generated, ignored by git: it holds absolute paths)
// Jupyter finds it when JUPYTER_PATH includes notebooks/.jupyter (see README, "Notebooks").
//
// It also makes the package resolvable by its own name from the notebooks. tslab compiles cells with its own
// TypeScript (CommonJS, node10 resolution), which knows nothing of package self-reference through
// `exports`; the notebooks import `batch-shaping` as a user's project would, so we add the symlink
//   notebooks/node_modules/batch-shaping -> ../..
// Kept under notebooks/ (not the root node_modules) so `npm ci` never deletes it and the root
// node_modules never contains a link back to the repository. Both TypeScript and Node follow it to the
// real path, so the notebooks load the one copy of @tensorflow/tfjs-core in the root node_modules.
//
// With --deno it also writes Deno's kernelspec next to tslab's:
//   notebooks/.jupyter/kernels/deno/kernel.json    (`deno jupyter --kernel`, TypeScript on Deno's own kernel)
// The deno executable comes from the `deno` devDependency (npm: its binary ships in @deno/<platform>), not a
// download. Deno resolves `batch-shaping` from the notebooks through the same self-link, and runs the cells with
// every permission (`deno jupyter`'s default), as tslab runs them with Node's.
//
// Usage: node scripts/kernel_install.mjs [--deno] [--quiet]   (npm run kernel:install [-- --deno])
import { existsSync, lstatSync, mkdirSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const quiet = process.argv.includes('--quiet');
const log = (line) => {
  if (!quiet) console.log(line);
};

/** The notebooks' self-link; replaced if it points elsewhere, refused if a real folder is in the way. */
export function ensureSelfLink() {
  const modules = join(root, 'notebooks', 'node_modules');
  const link = join(modules, 'batch-shaping');
  const target = join('..', '..');
  mkdirSync(modules, { recursive: true });
  let stat;
  try {
    stat = lstatSync(link);
  } catch {
    stat = undefined;
  }
  if (stat?.isSymbolicLink()) {
    if (readlinkSync(link) === target) return link;
    rmSync(link);
  } else if (stat) {
    throw new Error(`kernel:install: ${link} exists and is not a symlink; remove it and run again`);
  }
  symlinkSync(target, link, 'dir');
  return link;
}

/** Writes notebooks/.jupyter/kernels/tslab/kernel.json; returns the JUPYTER_PATH entry to use. */
export function writeKernelSpec() {
  const tslab = join(root, 'node_modules', '.bin', 'tslab');
  if (!existsSync(tslab)) {
    throw new Error(`kernel:install: ${tslab} not found; run \`npm ci\` (tslab is a devDependency) first`);
  }
  const jupyterDir = join(root, 'notebooks', '.jupyter');
  const kernelDir = join(jupyterDir, 'kernels', 'tslab');
  mkdirSync(kernelDir, { recursive: true });
  const spec = {
    // Same kernel name as `tslab install` uses, so the notebooks also run with a globally installed tslab.
    argv: [tslab, 'kernel', '--config-path', '{connection_file}'],
    display_name: 'TypeScript (tslab, batch-shaping)',
    language: 'typescript',
    metadata: { 'batch-shaping': { generatedBy: 'scripts/kernel_install.mjs' } },
  };
  writeFileSync(join(kernelDir, 'kernel.json'), `${JSON.stringify(spec, null, 2)}\n`);
  return jupyterDir;
}

/** The deno executable of the `deno` devDependency (its platform package's binary). */
export function denoExecutable() {
  const require = createRequire(import.meta.url);
  let install;
  try {
    install = require('deno/install_api.cjs');
  } catch (err) {
    throw new Error(
      `kernel:install --deno: the 'deno' package is not installed (${err.message.split('\n')[0]}); run \`npm ci\` (deno is a devDependency) first`,
    );
  }
  // The package's own install step: finds @deno/<platform>'s binary (and links it into the package folder).
  return install.runInstall();
}

/** Writes notebooks/.jupyter/kernels/deno/kernel.json; returns the kernel folder. */
export function writeDenoKernelSpec() {
  const deno = denoExecutable();
  const kernelDir = join(root, 'notebooks', '.jupyter', 'kernels', 'deno');
  mkdirSync(kernelDir, { recursive: true });
  const spec = {
    // Same kernel name as `deno jupyter --install` uses.
    argv: [deno, 'jupyter', '--kernel', '--conn', '{connection_file}'],
    display_name: 'TypeScript (Deno, batch-shaping)',
    language: 'typescript',
    // Plain text outputs (Deno otherwise colours printed values and tracebacks with ANSI codes), and no
    // background check for a newer Deno (the binary is pinned by package.json).
    env: { NO_COLOR: '1', DENO_NO_UPDATE_CHECK: '1' },
    metadata: { 'batch-shaping': { generatedBy: 'scripts/kernel_install.mjs' } },
  };
  writeFileSync(join(kernelDir, 'kernel.json'), `${JSON.stringify(spec, null, 2)}\n`);
  return kernelDir;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    const link = ensureSelfLink();
    const jupyterDir = writeKernelSpec();
    const denoDir = process.argv.includes('--deno') ? writeDenoKernelSpec() : undefined;
    if (!existsSync(join(root, 'dist', 'index.js'))) {
      log('note: dist/ is missing; run `npm run build` before opening the notebooks');
    }
    log(`linked ${link} -> ../.. (notebooks import 'batch-shaping')`);
    log(`wrote ${join(jupyterDir, 'kernels', 'tslab', 'kernel.json')}`);
    if (denoDir !== undefined) log(`wrote ${join(denoDir, 'kernel.json')}`);
    log(`use it with:  export JUPYTER_PATH=${jupyterDir}${process.env.JUPYTER_PATH ? ':$JUPYTER_PATH' : ''}`);
  } catch (err) {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  }
}
