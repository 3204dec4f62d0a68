// `batch-shaping analyze`: per-sample gate analysis of a trained model as one self-contained HTML report.
//   analyze --records <file.arrow> --out report.html     report from existing gate records
//   analyze --run <runDir>                               record the run's final (else last) checkpoint on its
//                                                        eval split, then report, with the run's epoch metrics
//   analyze --checkpoint <ckpt> [--data <dir>]           the same for any checkpoint written by train
// Recording writes <run>/analysis/gate_records.arrow (or --records-out) atomically and reuses it next time
// unless --rerecord. Galleries of the cheapest / most expensive samples need the dataset (the run's, or --data).
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { summarizeRecords, type TradeoffPoint } from '../analysis/accuracy_macs_tradeoff.js';
import type { GateRecords } from '../analysis/gate_records.js';
import { readGateRecords } from '../analysis/gate_records_arrow.js';
import { type ReportInput, writeReport } from '../analysis/html_report.js';
import { extremeSamples, type SampleSummary } from '../analysis/macs_statistics.js';
import { linearGrid } from '../analysis/probability_cdf.js';
import { type GalleryItem, imageDataUrl, loadSampleImages } from '../analysis/sample_gallery.js';
import { BACKEND_NAMES, type BackendChoice } from '../backend/backend_names.js';
import { initBackend } from '../backend/init_backend.js';
import { BatchLoader } from '../data/batch_loader.js';
import { readMeta } from '../data/meta_file.js';
import { createProgress } from '../io/progress_mode.js';
import { betaPrior } from '../ops/beta_prior.js';
import { recordGates } from '../train/gate_recorder.js';
import { checkModelClasses, loadTrainedModel } from '../train/load_trained_model.js';
import { readMetricsTable } from '../train/metrics_table.js';
import { runPaths } from '../train/run_paths.js';
import { nonNegativeInt } from './int_flags.js';

export interface AnalyzeCliOptions {
  records?: string;
  run?: string;
  checkpoint?: string;
  data?: string;
  split?: string;
  samples?: number;
  out?: string;
  recordsOut?: string;
  rerecord?: boolean;
  compare?: string[];
  baseline?: TradeoffPoint[];
  prior?: [number, number];
  gallery?: number;
  title?: string;
  backend?: string;
  quiet?: boolean;
}

function parsePrior(value: string): [number, number] {
  const parts = value.split(',').map(Number);
  if (parts.length !== 2 || !parts.every((v) => Number.isFinite(v) && v > 0)) {
    throw new InvalidArgumentError(`--prior expects 'a,b' with a, b > 0 (Beta prior); got '${value}'`);
  }
  return parts as [number, number];
}

function collectBaseline(value: string, previous: TradeoffPoint[] = []): TradeoffPoint[] {
  // name:accuracy:macs, e.g. resnet20:0.915:40.8e6 (accuracy in [0, 1] or percent).
  const m = /^(.+):([0-9.eE+-]+):([0-9.eE+-]+)$/.exec(value);
  const acc = m ? Number(m[2]) : Number.NaN;
  const macs = m ? Number(m[3]) : Number.NaN;
  if (!m || !Number.isFinite(acc) || !Number.isFinite(macs) || acc < 0 || macs <= 0) {
    throw new InvalidArgumentError(
      `--baseline expects name:accuracy:macs (e.g. resnet20:0.915:40.8e6); got '${value}'`,
    );
  }
  return [...previous, { name: m[1]!, accuracy: acc > 1 ? acc / 100 : acc, macs }];
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** Records a checkpoint written by train on its (or the given) dataset split. */
async function recordCheckpoint(
  path: string,
  o: AnalyzeCliOptions,
  out: string,
): Promise<{ records: GateRecords; dataDir: string }> {
  await initBackend((o.backend ?? 'auto') as BackendChoice);
  const { model, trainConfig: cfg, note } = await loadTrainedModel(path);
  if (note !== undefined && !o.quiet) console.error(`note: ${note}`);
  if (cfg === undefined && o.data === undefined) {
    model.dispose();
    throw new Error(`analyze: ${path} was not written by 'batch-shaping train'; pass --data <dataset dir>`);
  }
  try {
    const dataDir = o.data ?? cfg!.data.dir;
    const meta = await readMeta(dataDir);
    checkModelClasses(model, path, meta, dataDir);
    const split =
      o.split ?? cfg?.data.evalSplit ?? (meta.splits.test ? 'test' : Object.keys(meta.splits).at(-1)!);
    const loader = new BatchLoader(dataDir, meta, {
      split,
      batchSize: cfg?.data.evalBatchSize ?? 100,
      shuffle: false,
      ...(cfg ? { transform: cfg.data.evalTransform } : {}),
    });
    const cap =
      o.samples !== undefined && o.samples > 0 ? o.samples : (cfg?.data.maxEvalSamples ?? undefined);
    const total = Math.min(loader.numSamples, cap ?? Number.POSITIVE_INFINITY);
    const progress = createProgress(o.quiet ? 'quiet' : 'auto')(`recording gates (${split})`, total);
    await mkdir(dirname(out), { recursive: true });
    const records = await recordGates(
      model,
      { batches: loader.epoch(0), total },
      {
        out,
        maxSamples: cap,
        classes: meta.classes,
        dataset: meta.name,
        split,
        source: path,
        extra: { datasetDir: dataDir },
        onProgress: (done) => progress.update(done, total),
      },
    );
    progress.finish();
    return { records, dataDir };
  } finally {
    model.dispose();
  }
}

async function galleries(
  records: GateRecords,
  dataDir: string | undefined,
  k: number,
): Promise<ReportInput['galleries']> {
  if (
    k === 0 ||
    dataDir === undefined ||
    records.meta.split === undefined ||
    !existsSync(join(dataDir, 'meta.json'))
  ) {
    return undefined;
  }
  const { lowest, highest } = extremeSamples(records, k);
  const images = await loadSampleImages(
    dataDir,
    records.meta.split,
    [...lowest, ...highest].map((s) => s.id),
  );
  const names = records.meta.classes;
  const items = async (list: SampleSummary[]): Promise<GalleryItem[]> => {
    const out: GalleryItem[] = [];
    for (const s of list) {
      const image = images.get(s.id);
      if (!image) continue;
      out.push({
        src: await imageDataUrl(image),
        caption: [
          s.id,
          `${(s.macs / 1e6).toFixed(2)} MMACs`,
          `${names?.[s.label] ?? s.label} -> ${names?.[s.prediction] ?? s.prediction} (${(s.confidence * 100).toFixed(0)}%)`,
        ],
      });
    }
    return out;
  };
  return [
    { title: `The ${k} cheapest samples`, items: await items(lowest) },
    { title: `The ${k} most expensive samples`, items: await items(highest) },
  ];
}

/** Runs the command; returns the report path. */
export async function runAnalyzeCommand(
  o: AnalyzeCliOptions,
  print: (line: string) => void = console.log,
): Promise<string> {
  const sources = [o.records, o.run, o.checkpoint].filter((v) => v !== undefined).length;
  if (sources !== 1)
    throw new Error(
      'analyze: pass exactly one of --records <file.arrow>, --run <runDir> or --checkpoint <path>',
    );
  let records: GateRecords;
  let dataDir = o.data;
  let metrics: ReportInput['metrics'];
  let out = o.out;
  if (o.records !== undefined) {
    if (!existsSync(o.records)) throw new Error(`analyze: --records ${o.records}: no such file`);
    records = await readGateRecords(o.records);
    out ??= o.records.replace(/(\.arrow)?$/, '.html');
  } else {
    let ckpt: string;
    let recordsPath: string;
    if (o.run !== undefined) {
      const p = runPaths(o.run);
      ckpt = existsSync(p.finalCheckpoint) ? p.finalCheckpoint : p.lastCheckpoint;
      if (!existsSync(ckpt)) throw new Error(`analyze: --run ${o.run}: no checkpoint in ${p.checkpointsDir}`);
      recordsPath = o.recordsOut ?? join(o.run, 'analysis', 'gate_records.arrow');
      out ??= join(o.run, 'analysis', 'report.html');
      if (existsSync(p.epochs)) metrics = await readMetricsTable(p.epochs);
    } else {
      ckpt = o.checkpoint!;
      if (!existsSync(ckpt)) throw new Error(`analyze: --checkpoint ${ckpt}: no such file`);
      recordsPath = o.recordsOut ?? ckpt.replace(/(\.safetensors)?$/, '.gate_records.arrow');
      out ??= ckpt.replace(/(\.safetensors)?$/, '.report.html');
    }
    if (existsSync(recordsPath) && !o.rerecord) {
      records = await readGateRecords(recordsPath);
      if (!o.quiet) print(`analyze: reusing ${recordsPath} (--rerecord to record again)`);
    } else {
      const r = await recordCheckpoint(ckpt, o, recordsPath);
      records = r.records;
      dataDir ??= r.dataDir;
      if (!o.quiet) print(`analyze: wrote ${recordsPath} (${records.count} samples)`);
    }
  }
  dataDir ??= (records.meta.extra?.datasetDir as string | undefined) ?? undefined;
  const [a, b] = o.prior ?? [0.6, 0.4];
  const prior = betaPrior(a, b);
  const grid = linearGrid(201);
  // Points are labelled by file name (checkpoint or records), short enough to print next to the marker.
  const label = (r: GateRecords, file: string) => basename(r.meta.source ?? file);
  const points: TradeoffPoint[] = [summarizeRecords(records, label(records, o.records ?? 'this model'))];
  for (const file of o.compare ?? []) {
    const other = await readGateRecords(file);
    points.push(summarizeRecords(other, label(other, file)));
  }
  const input: ReportInput = {
    records,
    prior: { name: prior.name, grid, cdf: grid.map((x) => prior.cdfHost(x)) },
    tradeoff: { points, baselines: o.baseline ?? [] },
  };
  const shown = await galleries(records, dataDir, o.gallery ?? 8);
  if (shown !== undefined) input.galleries = shown;
  if (metrics !== undefined) input.metrics = metrics;
  if (o.title !== undefined) input.title = o.title;
  await mkdir(dirname(out!), { recursive: true });
  await writeReport(out!, input);
  if (!o.quiet) {
    const s = points[0]!;
    print(
      `analyze: ${records.count} samples, top-1 ${(s.accuracy * 100).toFixed(2)}%, mean ${(s.macs / 1e6).toFixed(2)} MMACs -> ${out}`,
    );
  }
  return out!;
}

export function registerAnalyzeCommand(program: Command): void {
  program
    .command('analyze')
    .description('per-sample gate analysis (records + statistics + figures) as a self-contained HTML report')
    .option('--records <file.arrow>', 'gate records written by recordGates or an earlier analyze')
    .option('--run <runDir>', 'a training run: record its final (else last) checkpoint on its eval split')
    .option('--checkpoint <path>', 'a checkpoint written by train')
    .option(
      '--data <dir>',
      'prepared dataset folder (default: the one the run trained on); also for galleries',
    )
    .option('--split <name>', "split to record (default: the run's eval split)")
    .option('--samples <n>', 'cap on recorded samples (0: the whole split)', nonNegativeInt('--samples'))
    .option('--out <report.html>', 'report path (default: <run>/analysis/report.html or next to the records)')
    .option('--records-out <file.arrow>', 'where new records go (default: <run>/analysis/gate_records.arrow)')
    .option('--rerecord', 'record again even if the records file exists')
    .option(
      '--compare <file.arrow>',
      'more records (checkpoints, thresholds) for the accuracy-vs-MACs plot; repeatable',
      collect,
    )
    .option(
      '--baseline <name:acc:macs>',
      'a dense baseline point for the accuracy-vs-MACs plot; repeatable',
      collectBaseline,
    )
    .option('--prior <a,b>', 'Beta prior of the CDF figure (default 0.6,0.4 as the paper)', parsePrior)
    .option(
      '--gallery <n>',
      'images in each of the cheapest / most expensive galleries (0: none)',
      nonNegativeInt('--gallery'),
    )
    .option('--title <text>', 'report title')
    .addOption(
      new Option('--backend <name>', 'tfjs backend (recording only)').choices(['auto', ...BACKEND_NAMES]),
    )
    .option('--quiet', 'print nothing')
    .action(async (opts: AnalyzeCliOptions) => {
      await runAnalyzeCommand(opts);
    });
}
