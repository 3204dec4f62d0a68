// The packaging test (npm run test:packaging; CI runs it from .ci/run): what a user installs is what the README
// documents. It packs the package (`npm pack`, from the built dist/), installs the tarball into a fresh temporary
// project (from the local npm cache where it can), and checks a user file (consumer/use_api.ts) that imports the
// root and every subpath:
//   1. with tslab's TypeScript (5.0, @tslab/typescript-for-tslab, pinned in package.json to tslab's own) and tslab's settings
//      (moduleResolution node10, which ignores "exports": the subpaths' types come from "typesVersions");
//   2. with the project's TypeScript (5.9, pinned in package.json), moduleResolution node16, compiled to ES modules;
//   3. run on Node: the compiled file trains, loads and analyses a tiny run and prints one JSON line, checked here;
//   4. under node16 a deep import of an internal file is refused (the "exports" map is enforced), and
//      require() of a subpath works (tslab runs cells as CommonJS).
// Usage: node test/packaging/check_package.mjs [--keep]   (--keep leaves the temporary project for inspection)
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..', '..');
const require = createRequire(join(root, 'package.json'));
const keep = process.argv.includes('--keep');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const SUBPATHS = ['data', 'analysis', 'inference', 'notebook', 'backend'];

const started = Date.now();
const step = (what) => console.log(`[packaging ${((Date.now() - started) / 1000).toFixed(1)}s] ${what}`);
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

function run(cmd, args, cwd, what) {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) {
    throw new Error(`${what} failed (exit ${r.status}): ${cmd} ${args.join(' ')}\n${r.stdout}\n${r.stderr}`);
  }
  return r.stdout;
}

/** Type-checks (and with outDir, emits) `files` with the TypeScript module `ts`; throws listing the diagnostics. */
function compile(ts, files, options, what) {
  const program = ts.createProgram(files, options);
  const emitted = options.noEmit ? { diagnostics: [] } : program.emit();
  const diagnostics = [...ts.getPreEmitDiagnostics(program), ...emitted.diagnostics];
  if (diagnostics.length > 0) {
    const host = {
      getCanonicalFileName: (f) => f,
      getCurrentDirectory: () => process.cwd(),
      getNewLine: () => '\n',
    };
    throw new Error(`${what}: ${diagnostics.length} error(s)\n${ts.formatDiagnostics(diagnostics, host)}`);
  }
}

for (const s of SUBPATHS) {
  assert.ok(pkg.exports[`./${s}`], `package.json: "exports" lacks ./${s}`);
  assert.deepEqual(
    pkg.typesVersions['*'][s],
    [`./dist/${s}/index.d.ts`],
    `package.json: typesVersions for ${s}`,
  );
}
if (!existsSync(join(root, 'dist', 'index.js')))
  throw new Error('dist/ is missing: run `npm run build` first');

const work = mkdtempSync(join(tmpdir(), 'bs-packaging-'));
try {
  step('npm pack');
  const packed = JSON.parse(run(npm, ['pack', '--json', '--pack-destination', work], root, 'npm pack'))[0];
  const tarball = join(work, packed.filename);
  const files = new Set(packed.files.map((f) => f.path));
  for (const f of ['dist/index.js', 'dist/index.d.ts', 'bin/batch-shaping.js', 'README.md']) {
    assert.ok(files.has(f), `the tarball lacks ${f}`);
  }
  for (const s of SUBPATHS)
    assert.ok(files.has(`dist/${s}/index.d.ts`), `the tarball lacks dist/${s}/index.d.ts`);
  const stray = [...files].filter((f) => /^(src|test|bench|site|notebooks|python)\//.test(f));
  assert.deepEqual(stray, [], 'the tarball ships sources or tests');
  step(`packed ${packed.filename}: ${files.size} files, ${(packed.size / 1e6).toFixed(1)} MB`);

  const project = join(work, 'project');
  mkdirSync(join(project, 'src'), { recursive: true });
  writeFileSync(
    join(project, 'package.json'),
    `${JSON.stringify({ name: 'batch-shaping-consumer', private: true, type: 'module' }, null, 2)}\n`,
  );
  // The user's dependencies: the tarball, and Node's types at the version this project pins. Install scripts are
  // not needed (sharp's binary is an optional dependency; tfjs-backend-wasm ships its .wasm files).
  step('npm install (prefer the local cache)');
  run(
    npm,
    [
      'install',
      '--prefer-offline',
      '--no-audit',
      '--no-fund',
      '--ignore-scripts',
      '--save-exact',
      tarball,
      `@types/node@${pkg.devDependencies['@types/node']}`,
    ],
    project,
    'npm install of the tarball',
  );
  const userFile = join(project, 'src', 'use_api.ts');
  copyFileSync(join(here, 'consumer', 'use_api.ts'), userFile);

  // 1. tslab's TypeScript and tslab's compiler settings (node_modules/tslab/dist/converter.js), strict on top.
  // The pin in package.json must be the TypeScript the installed tslab compiles cells with.
  const tslabWants = require('tslab/package.json').dependencies['@tslab/typescript-for-tslab'];
  assert.equal(
    pkg.devDependencies['@tslab/typescript-for-tslab'],
    tslabWants,
    "package.json: @tslab/typescript-for-tslab must be pinned to tslab's own TypeScript",
  );
  const tslabTs = require('@tslab/typescript-for-tslab');
  assert.match(tslabTs.version, /^5\.0\./, `tslab's TypeScript is ${tslabTs.version}, expected 5.0.x`);
  step(`type check with TypeScript ${tslabTs.version} (tslab), moduleResolution node10`);
  compile(
    tslabTs,
    [userFile],
    {
      module: tslabTs.ModuleKind.ESNext,
      moduleResolution: tslabTs.ModuleResolutionKind.Node10,
      target: tslabTs.ScriptTarget.ES2022,
      lib: ['lib.es2022.d.ts'],
      esModuleInterop: true,
      skipLibCheck: true,
      strict: true,
      types: ['node'],
      typeRoots: [join(project, 'node_modules', '@types')],
      noEmit: true,
    },
    `TypeScript ${tslabTs.version} (node10)`,
  );

  // 2. The project's TypeScript, node16 resolution (the "exports" map), compiled to ES modules.
  const ts = require('typescript');
  step(`type check and compile with TypeScript ${ts.version}, moduleResolution node16`);
  const outDir = join(project, 'out');
  const node16 = {
    module: ts.ModuleKind.Node16,
    moduleResolution: ts.ModuleResolutionKind.Node16,
    target: ts.ScriptTarget.ES2022,
    lib: ['lib.es2022.d.ts'],
    strict: true,
    skipLibCheck: true,
    types: ['node'],
    typeRoots: [join(project, 'node_modules', '@types')],
    outDir,
    rootDir: join(project, 'src'),
  };
  compile(ts, [userFile], node16, `TypeScript ${ts.version} (node16)`);

  // 3. Run it.
  step('run the compiled file with node');
  const output = run(process.execPath, [join(outDir, 'use_api.js')], project, 'running the user file');
  const result = JSON.parse(output.trim().split('\n').at(-1));
  assert.equal(result.backend, 'cpu');
  assert.ok(result.lossValue > 0 && result.lossValue < 1, `loss ${result.lossValue}`);
  assert.equal(result.gradFinite, true);
  assert.ok(result.denseMacs > 0);
  assert.ok(result.stateNames > 0);
  assert.equal(result.runState, 'completed');
  assert.ok(result.top1 >= 0 && result.top1 <= 1, `top-1 ${result.top1}`);
  assert.equal(result.epochs, 1);
  assert.equal(result.recorded, 16);
  assert.ok(result.blocks > 0);
  assert.ok(result.meanMacs > 0);
  assert.deepEqual(result.logitsShape, [2, 10]);
  assert.equal(result.htmlTable, true);
  assert.equal(result.syncReadback, true);
  assert.deepEqual(result.internalsAtRoot, [], 'internals exported at the root');
  step(`user file ran: ${output.trim().split('\n').at(-1)}`);

  // 4. The "exports" map is enforced under node16; CommonJS require of a subpath works (tslab's cells).
  const deep = join(project, 'src', 'deep_import.ts');
  writeFileSync(
    deep,
    "import { mixSeed } from 'batch-shaping/dist/data/seeded_random.js';\nconsole.log(mixSeed(1));\n",
  );
  assert.throws(
    () => compile(ts, [deep], { ...node16, noEmit: true }, 'deep import'),
    /TS2307|Cannot find module 'batch-shaping\/dist\/data\/seeded_random\.js'/,
    'a deep import of an internal file must not resolve',
  );
  const cjs = run(
    process.execPath,
    ['-e', "const d = require('batch-shaping/data'); console.log(typeof d.prepareDataset)"],
    project,
    'require() of batch-shaping/data',
  );
  assert.equal(cjs.trim(), 'function');
  step('ok');
} finally {
  if (keep) console.log(`kept ${work}`);
  else rmSync(work, { recursive: true, force: true });
}
