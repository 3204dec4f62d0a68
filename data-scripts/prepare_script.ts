// The shared body of data-scripts/<dataset>/prepare.ts: the options of `batch-shaping prepare <dataset>` for one
// fixed dataset, parsed with node:util, then prepareDataset. It imports the package by name, so the scripts
// run the same from this repository (tsconfig.json maps `batch-shaping` to src/) and from an installed
// package (node_modules/batch-shaping/data-scripts, resolved to its own dist/ through package.json "exports").
import { parseArgs } from 'node:util';
import { DATASET_PREPARERS, type PrepareOptions, prepareDataset } from 'batch-shaping';

const OPTIONS = {
  source: {
    type: 'string',
    arg: '<path>',
    help: 'raw files: a folder or an official archive (see the dataset)',
  },
  out: { type: 'string', arg: '<dir>', help: 'output dataset folder (shards + meta.json), required' },
  download: {
    type: 'boolean',
    arg: '',
    help: 'fetch the official files first (into --source, else <out>/raw)',
  },
  'shard-size': { type: 'string', arg: '<n>', help: 'records per shard (default: ~128 MiB shards)' },
  size: { type: 'string', arg: '<size>', help: 'output image size, where the dataset takes one' },
  workers: { type: 'string', arg: '<n>', help: 'image decode worker threads (0 = main thread)' },
  devkit: { type: 'string', arg: '<path>', help: 'imagenet: ILSVRC2012_devkit_t12.tar.gz or its folder' },
  name: { type: 'string', arg: '<name>', help: 'imagenet: dataset name in meta.json (e.g. imagenette)' },
  'skip-checksum': { type: 'boolean', arg: '', help: 'do not check the official MD5s' },
  quiet: { type: 'boolean', arg: '', help: 'no progress output' },
  help: { type: 'boolean', arg: '', help: 'this text' },
} as const;

function integer(flag: string, value: string | undefined, min: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isInteger(n) || n < min) {
    throw new Error(`--${flag} expects an integer >= ${min}; got '${value}'`);
  }
  return n;
}

function usage(dataset: string): string {
  const entry = DATASET_PREPARERS[dataset];
  const lines = Object.entries(OPTIONS).map(([flag, o]) => `  --${`${flag} ${o.arg}`.padEnd(20)} ${o.help}`);
  const size = entry?.sizeHelp ? `\n--size for ${dataset}: ${entry.sizeHelp}` : '';
  return `Usage: prepare.ts --out <dir> [options]\n${entry?.summary ?? dataset}\n\nOptions:\n${lines.join('\n')}${size}`;
}

function toOptions(dataset: string, argv: string[]): (PrepareOptions & Record<string, unknown>) | null {
  const { values: v } = parseArgs({ args: argv.slice(2), options: OPTIONS, strict: true });
  if (v.help) return null;
  if (v.out === undefined) throw new Error("required option '--out <dir>' not specified");
  if (v.size !== undefined && DATASET_PREPARERS[dataset]?.sizeHelp === null) {
    throw new Error(`--size: ${dataset} has a fixed image size (no --size); got --size ${v.size}`);
  }
  const shardSize = integer('shard-size', v['shard-size'], 1);
  const workers = integer('workers', v.workers, 0);
  return {
    out: v.out,
    download: v.download ?? false,
    progress: v.quiet ? 'quiet' : 'auto',
    ...(v.source !== undefined && { source: v.source }),
    ...(shardSize !== undefined && { shardSize }),
    ...(workers !== undefined && { workers }),
    ...(v.size !== undefined && { size: v.size }),
    ...(v.devkit !== undefined && { devkit: v.devkit }),
    ...(v.name !== undefined && { name: v.name }),
    ...(v['skip-checksum'] && { skipChecksum: true }),
  };
}

/** Prepares `dataset` from the command line `argv` (process.argv); prints errors and sets the exit code. */
export async function runPrepareScript(dataset: string, argv: string[]): Promise<void> {
  try {
    const options = toOptions(dataset, argv);
    if (options === null) {
      console.log(usage(dataset));
      return;
    }
    const started = Date.now();
    const result = await prepareDataset(dataset, options);
    if (options.progress !== 'quiet') {
      const counts = Object.entries(result.counts).map(([split, n]) => `${split} ${n}`);
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      console.log(`prepared ${dataset} in ${result.out}: ${counts.join(', ')} in ${seconds} s`);
    }
  } catch (err) {
    console.error(`prepare ${dataset}: ${err instanceof Error ? err.message : err}`);
    process.exitCode = 1;
  }
}
