// The module layering of src/ (docs/architecture.md, section 2), checked by `npm run lint`:
// `depcruise src`. Each src/<module> may import only the modules listed in its rule below; type-only imports
// are allowed more widely where a rule says so (they vanish from the built JavaScript). Every exception to a
// rule is written here, next to the rule, with its reason.

/** `^src/(a|b)/`: a path pattern matching the named modules. */
const modules = (...names) => `^src/(${names.join('|')})/`;

/**
 * `src/<module>` may import itself and `allowed`, and `typesOnly` as `import type` only.
 * `also` lists single files outside those that the module may import at runtime, each with its reason.
 */
function layer(module, allowed, { typesOnly = [], also = [] } = {}) {
  const runtime = [module, ...allowed];
  const rules = [
    {
      name: `${module}-imports`,
      comment:
        `src/${module} imports at runtime only ${allowed.length ? allowed.join(', ') : 'itself'}` +
        also.map((a) => `; exception ${a.file}: ${a.why}`).join(''),
      severity: 'error',
      from: { path: modules(module) },
      to: {
        path: '^src/',
        pathNot: [modules(...runtime), ...also.map((a) => a.file)],
        dependencyTypesNot: ['type-only'],
      },
    },
  ];
  if (typesOnly.length > 0 || allowed.length > 0) {
    rules.push({
      name: `${module}-type-imports`,
      comment: `src/${module} imports types only from ${[...allowed, ...typesOnly].join(', ')}`,
      severity: 'error',
      from: { path: modules(module) },
      to: {
        path: '^src/',
        pathNot: [modules(...runtime, ...typesOnly), ...also.map((a) => a.file)],
        dependencyTypes: ['type-only'],
      },
    });
  } else {
    rules[0].to.dependencyTypesNot = undefined;
  }
  return rules;
}

// models/macs.ts, losses/check_gate_probs.ts and three files of inference ask whether the active backend
// can read synchronously: sync_readback.ts compares tf.getBackend() with a list and loads nothing.
const SYNC_READBACK = {
  file: '^src/backend/sync_readback\\.ts$',
  why: 'hasSyncReadback / requireSyncReadback read tf.getBackend() only; no backend is loaded',
};
// analysis reads meta.json, the shard schema and shards for the sample galleries: plain Arrow, no tensors.
const DATA_FOR_ANALYSIS = {
  file: '^src/data/(meta_file|schema|shard_reader)\\.ts$',
  why: 'tfjs-free files of data (the no-tfjs-in-analysis rule below checks them)',
};

/** Packages that load or register a tfjs backend: only src/backend loads them, and only when asked. */
const BACKEND_PACKAGES =
  '^(node_modules/)?(@tensorflow/tfjs-backend-[a-z]+|@tensorflow/tfjs-node(-gpu)?|@tensorflow/tfjs|webgpu)(/|$)';

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment:
        'no runtime import cycles between files (the layer rules below make module cycles impossible); ' +
        'a cycle through an `import type` is allowed: it does not exist in the built JavaScript',
      severity: 'error',
      from: {},
      to: {
        circular: true,
        dependencyTypesNot: ['type-only'],
        viaOnly: { dependencyTypesNot: ['type-only'] },
      },
    },
    {
      name: 'nothing-imports-cli',
      comment: 'src/cli is the top: bin/batch-shaping.js loads dist/cli/main.js, nothing in src imports it',
      severity: 'error',
      from: { path: '^src/', pathNot: modules('cli') },
      to: { path: modules('cli') },
    },
    {
      name: 'backend-only-from-cli-and-root',
      comment:
        'library code never chooses a backend: src/backend is imported by src/cli and the package root ' +
        '(tests, benchmarks and notebooks are outside src and free to); exception: sync_readback.ts',
      severity: 'error',
      from: { path: '^src/', pathNot: [modules('cli', 'backend'), '^src/index\\.ts$'] },
      to: { path: modules('backend'), pathNot: SYNC_READBACK.file, dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'backend-packages-only-in-backend',
      comment:
        'backend packages (and the @tensorflow/tfjs umbrella, which registers them) load only in src/backend',
      severity: 'error',
      from: { path: '^src/', pathNot: modules('backend') },
      to: { path: BACKEND_PACKAGES, dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'no-tfjs-in-analysis',
      comment:
        'analysis runs without tfjs: nothing it imports at runtime, directly or not, loads @tensorflow/*',
      severity: 'error',
      from: { path: modules('analysis') },
      to: { path: '^(node_modules/)?@tensorflow/', reachable: true },
    },
    {
      name: 'no-tfjs-in-notebook',
      comment: 'the notebook helpers run without tfjs (tslab only lazily, through tslab_bridge.ts)',
      severity: 'error',
      from: { path: modules('notebook') },
      to: { path: '^(node_modules/)?(@tensorflow/|tslab)', reachable: true },
    },
    // The layers, bottom up: ops, layers <- gates <- models <- train; io below everything.
    ...layer('io', []),
    ...layer('ops', []),
    ...layer('layers', []),
    ...layer('gates', ['layers']),
    // losses: io for the schema helpers (schema_issues.ts) the loss schedule's checks are written with.
    ...layer('losses', ['ops', 'io'], { also: [SYNC_READBACK] }),
    ...layer('models', ['layers', 'gates', 'io'], { also: [SYNC_READBACK] }),
    ...layer('data', ['io']),
    ...layer('analysis', ['io'], { also: [DATA_FOR_ANALYSIS] }),
    ...layer('train', ['models', 'losses', 'data', 'analysis', 'io'], {
      // train_config.ts names the backend choices (BackendChoice) in the config's type.
      typesOnly: ['gates', 'layers', 'backend'],
    }),
    ...layer('inference', ['models', 'layers', 'analysis'], { typesOnly: ['gates'], also: [SYNC_READBACK] }),
    // notebook: the progress interface (io/progress.ts) as a type only.
    ...layer('notebook', ['analysis'], { typesOnly: ['io'] }),
    ...layer('backend', ['io']),
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types', 'typings'],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
