// `batch-shaping prepare <dataset>`: official raw files -> Arrow shards + meta.json (src/data/prepare).
// data-scripts/<dataset>/prepare.ts offer the same options for one dataset through the package's API.

import type { Command } from 'commander';
import {
  DATASET_PREPARERS,
  listPreparableDatasets,
  prepareDataset,
} from '../data/prepare/prepare_dataset.js';
import type { PrepareOptions } from '../data/prepare/prepare_options.js';
import { nonNegativeInt, positiveInt } from './int_flags.js';

interface CliOptions {
  source?: string;
  out: string;
  download?: boolean;
  shardSize?: number;
  size?: string;
  workers?: number;
  devkit?: string;
  name?: string;
  skipChecksum?: boolean;
  quiet?: boolean;
}

function addPrepareOptions(cmd: Command): Command {
  const sizes = Object.entries(DATASET_PREPARERS)
    .filter(([, d]) => d.sizeHelp !== null)
    .map(([n, d]) => `${n}: ${d.sizeHelp}`)
    .join('; ');
  return cmd
    .option('--source <path>', 'raw files: a folder or an official archive (see the dataset)')
    .requiredOption('--out <dir>', 'output dataset folder (shards + meta.json)')
    .option('--download', 'fetch the official files first (into --source, else <out>/raw)')
    .option('--shard-size <n>', 'records per shard (default: ~128 MiB shards)', positiveInt('--shard-size'))
    .option('--size <size>', `output image size (${sizes || 'dataset-specific'})`)
    .option('--workers <n>', 'image decode worker threads (0 = main thread)', nonNegativeInt('--workers'))
    .option('--devkit <path>', 'imagenet: ILSVRC2012_devkit_t12.tar.gz or its folder (val labels)')
    .option('--name <name>', 'imagenet: dataset name in meta.json (e.g. imagenette)')
    .option('--skip-checksum', 'do not check the official MD5s (mirrors that re-compress files)')
    .option('--quiet', 'no progress output');
}

function toPrepareOptions(o: CliOptions): PrepareOptions & Record<string, unknown> {
  const opts: PrepareOptions & Record<string, unknown> = {
    out: o.out,
    download: o.download ?? false,
    progress: o.quiet ? 'quiet' : 'auto',
  };
  if (o.source !== undefined) opts.source = o.source;
  if (o.shardSize !== undefined) opts.shardSize = o.shardSize;
  if (o.workers !== undefined) opts.workers = o.workers;
  if (o.size !== undefined) opts.size = o.size;
  if (o.devkit !== undefined) opts.devkit = o.devkit;
  if (o.name !== undefined) opts.name = o.name;
  if (o.skipChecksum) opts.skipChecksum = true;
  return opts;
}

async function run(dataset: string, o: CliOptions): Promise<void> {
  const started = Date.now();
  const result = await prepareDataset(dataset, toPrepareOptions(o));
  if (!o.quiet) {
    const counts = Object.entries(result.counts)
      .map(([split, n]) => `${split} ${n}`)
      .join(', ');
    const reused = Object.values(result.reused).reduce((a, r) => a + r.length, 0);
    console.log(
      `prepared ${dataset} in ${result.out}: ${counts}` +
        `${reused > 0 ? ` (${reused} shard(s) reused)` : ''} in ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
  }
}

/** Adds `prepare <dataset>` to the program. */
export function registerPrepareCommand(program: Command): void {
  const cmd = program
    .command('prepare')
    .description("convert a dataset's official raw files into Arrow shards + meta.json")
    .argument('<dataset>', `one of: ${listPreparableDatasets().join(', ')}`);
  addPrepareOptions(cmd).action(async (dataset: string, o: CliOptions) => {
    // cmd.error prints the message (with the usage hint) before exiting; a thrown InvalidArgumentError
    // from an action would leave stderr empty.
    if (!Object.hasOwn(DATASET_PREPARERS, dataset)) {
      cmd.error(`error: dataset: expected one of ${listPreparableDatasets().join(', ')}; got '${dataset}'`);
    }
    if (o.size !== undefined && DATASET_PREPARERS[dataset]?.sizeHelp === null) {
      cmd.error(`error: --size: ${dataset} has a fixed image size (no --size); got --size ${o.size}`);
    }
    await run(dataset, o);
  });
}
