// `batch-shaping analyze` end to end: from a records file, from a checkpoint + dataset (records the model,
// then reports with galleries), and from a run directory (checkpoints/ + metrics/epochs.arrow), through the
// real commander program. Reports are only checked for structure here; rendering is test/analysis's job.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readGateRecords, writeGateRecords } from '../../src/analysis/gate_records_arrow.js';
import { runAnalyzeCommand } from '../../src/cli/analyze_command.js';
import { main } from '../../src/cli/main.js';
import { writeSyntheticDataset } from '../../src/data/synthetic.js';
import { saveCheckpoint } from '../../src/models/checkpoint.js';
import { createModel } from '../../src/models/registry.js';
import { writeMetricsTable } from '../../src/train/metrics_table.js';
import { runPaths } from '../../src/train/run_paths.js';
import { syntheticRecords } from '../analysis/synthetic_records.js';
import { useBackend } from '../helpers/backends.js';

let dir: string;
let data: string;
let ckpt: string;
before(async () => {
  await useBackend('cpu');
  dir = await mkdtemp(join(tmpdir(), 'bs-analyze-'));
  data = join(dir, 'data');
  await mkdir(data);
  await writeSyntheticDataset({ outDir: data, size: 8, train: 1, test: 12, shardSize: 5, seed: 2 });
  const model = createModel('resnet20', { widthMultiplier: 0.25, gateBiasInit: 0, seed: 4 });
  ckpt = join(dir, 'model.safetensors');
  await saveCheckpoint(ckpt, {
    tensors: model.stateDict(),
    config: model.config,
  });
  model.dispose();
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

const plots = (html: string) => (html.match(/<div class="plot" id="plot-\d+"/g) ?? []).length;

describe('analyze command', () => {
  it('--records: report next to the records, through the CLI program', async () => {
    const records = join(dir, 'r.arrow');
    await writeGateRecords(records, syntheticRecords(30));
    const other = join(dir, 'r2.arrow');
    await writeGateRecords(other, syntheticRecords(30, 5));
    await main([
      'node',
      'batch-shaping',
      'analyze',
      '--records',
      records,
      '--compare',
      other,
      '--quiet',
      '--baseline',
      'dense:0.9:60e3',
    ]);
    const html = await readFile(join(dir, 'r.html'), 'utf8');
    // histogram, layers, heatmap, CDF vs Beta(0.6, 0.4), confidence, difficulty, loss, trade-off
    assert.equal(plots(html), 8);
    assert.ok(html.includes('Beta(0.6, 0.4)'));
    assert.ok(html.includes('dense baselines'));
    // Both records files are points of the accuracy-vs-MACs figure (labelled by their source).
    const figures = JSON.parse(/const FIGURES = (.*);\n/.exec(html)![1]!);
    const tradeoff = figures.find(
      (f: { layout: { title: { text: string } } }) => f.layout.title.text === 'Accuracy vs MACs',
    );
    assert.equal(tradeoff.data[0].x.length, 2);
  });

  it('--checkpoint + --data: records the model, then reports with image galleries', async () => {
    const lines: string[] = [];
    const out = await runAnalyzeCommand(
      { checkpoint: ckpt, data, backend: 'cpu', gallery: 3, quiet: false },
      (l) => lines.push(l),
    );
    assert.equal(out, join(dir, 'model.report.html'));
    const recordsPath = join(dir, 'model.gate_records.arrow');
    const records = await readGateRecords(recordsPath);
    assert.equal(records.count, 12);
    assert.equal(records.meta.split, 'test');
    assert.equal(records.meta.model, 'resnet20');
    const html = await readFile(out, 'utf8');
    assert.equal((html.match(/<img src="data:image\/png;base64,/g) ?? []).length, 6);
    assert.match(lines.join('\n'), /wrote .*model\.gate_records\.arrow \(12 samples\)/);
    // A second run reuses the records.
    lines.length = 0;
    await runAnalyzeCommand({ checkpoint: ckpt, data, backend: 'cpu', samples: 5 }, (l) => lines.push(l));
    assert.match(lines[0]!, /reusing/);
    await runAnalyzeCommand({
      checkpoint: ckpt,
      data,
      backend: 'cpu',
      samples: 5,
      rerecord: true,
      quiet: true,
    });
    assert.equal((await readGateRecords(recordsPath)).count, 5);
  });

  it('--run: records the final checkpoint into <run>/analysis and plots the epoch metrics', async () => {
    const run = join(dir, 'run');
    const p = runPaths(run);
    await mkdir(p.checkpointsDir, { recursive: true });
    await mkdir(p.metricsDir, { recursive: true });
    const model = createModel('resnet20', { widthMultiplier: 0.25, seed: 9 });
    await saveCheckpoint(p.finalCheckpoint, {
      tensors: model.stateDict(),
      config: model.config,
    });
    model.dispose();
    await writeMetricsTable(p.epochs, [
      { epoch: 1, loss: 2, accuracy: 0.2 },
      { epoch: 2, loss: 1.5, accuracy: 0.4 },
    ]);
    const out = await runAnalyzeCommand({ run, data, backend: 'cpu', quiet: true, gallery: 0 });
    assert.equal(out, join(run, 'analysis', 'report.html'));
    assert.ok(existsSync(join(run, 'analysis', 'gate_records.arrow')));
    const html = await readFile(out, 'utf8');
    assert.equal(plots(html), 9, 'the standard figures plus the run metrics');
    assert.ok(html.includes('Run metrics'));
  });

  it('bad arguments fail clearly', async () => {
    await assert.rejects(runAnalyzeCommand({}), /pass exactly one of --records/);
    await assert.rejects(
      runAnalyzeCommand({ records: join(dir, 'nope.arrow') }),
      /--records .*nope\.arrow: no such file/,
    );
    await assert.rejects(runAnalyzeCommand({ run: join(dir, 'empty-run') }), /no checkpoint in/);
    await assert.rejects(
      runAnalyzeCommand({ checkpoint: ckpt, backend: 'cpu', rerecord: true }),
      /pass --data <dataset dir>/,
    );
  });
});
