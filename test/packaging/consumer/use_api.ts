// A user's file against the installed package (test/packaging/check_package.mjs copies it into a fresh project):
// the documented entry points, the root and every subpath, used as the README shows. It must type-check with
// tslab's TypeScript 5.0 (node10 resolution, no "exports") and with current TypeScript (node16), and run on
// Node: the loss and its gradient, a model, a short run trained, resumed-or-loaded and loaded again, gate
// records and their analysis, conditional inference, the notebook HTML, the backend probe. It prints one JSON
// line that the check reads.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as bs from 'batch-shaping';
import { tf } from 'batch-shaping';
import { layerGateUsage, summarize } from 'batch-shaping/analysis';
import { hasSyncReadback } from 'batch-shaping/backend';
import { BatchLoader, readMeta, writeSyntheticDataset } from 'batch-shaping/data';
import { compileConditional } from 'batch-shaping/inference';
import { tableHtml } from 'batch-shaping/notebook';

async function main(): Promise<void> {
  const backend: bs.BackendReport = await bs.initBackend('cpu');

  // The loss in six lines (README).
  const gateProbs = tf.sigmoid(tf.randomNormal([64, 8], 0, 1, 'float32', 1)) as tf.Tensor2D;
  const loss = bs.batchShapingLoss(gateProbs, { prior: bs.betaPrior(0.6, 0.4) });
  const grad = tf.grad((p: tf.Tensor) => bs.batchShapingLoss(p as tf.Tensor2D))(gateProbs);
  const lossValue = (await loss.data())[0] as number;
  const gradFinite = Array.from(await grad.data()).every((v) => Number.isFinite(v));
  tf.dispose([gateProbs, loss, grad]);

  // A model and its MACs.
  const model: bs.GatedModel = bs.createModel('resnet20', { widthMultiplier: 0.25, numClasses: 10, seed: 0 });
  const macs: bs.MacCount = bs.countMacs(model, [16, 16, 3]);
  const stateNames = Object.keys(model.stateDict()).length;
  model.dispose();

  // A run: synthetic data, the tiny preset, trained (or resumed, or loaded) and loaded back.
  const root = await mkdtemp(join(tmpdir(), 'bs-consumer-'));
  try {
    const dataDir = join(root, 'shapes');
    await writeSyntheticDataset({ outDir: dataDir, size: 16, train: 32, test: 16, seed: 0 });
    const meta = await readMeta(dataDir);
    let config: bs.TrainConfig = bs.getPreset('tiny');
    for (const [path, value] of Object.entries({
      'data.dir': dataDir,
      epochs: 1,
      'data.batchSize': 8,
      'data.maxStepsPerEpoch': 2,
      'data.maxEvalSamples': 16,
      'data.workers': 0,
    })) {
      config = bs.setConfigValue(config, path, value);
    }
    const runDir = join(root, 'run');
    const run: bs.LoadedRun = await bs.trainOrResume(runDir, config, { quiet: true });
    run.model.dispose();
    const loaded = await bs.loadRun(runDir);
    const state: bs.RunFolderStatus = (await bs.readRunState(runDir)).status;

    // Gate records of the trained model and their analysis.
    const loader = new BatchLoader(dataDir, meta, { split: 'test', batchSize: 8 });
    const records = await bs.recordGates(loaded.model, bs.loaderSource(loader), { classes: meta.classes });
    await loader.close();
    const usage = layerGateUsage(records);
    const macStats = summarize(records.macs);

    // Conditional inference on the trained model (cpu reads gate decisions synchronously).
    const net = compileConditional(loaded.model);
    const x = tf.randomNormal([2, 16, 16, 3], 0, 1, 'float32', 2) as tf.Tensor4D;
    const out = net.apply(x);
    const logitsShape = out.logits.shape;
    tf.dispose([x, out.logits]);
    net.dispose();
    loaded.model.dispose();

    const html = tableHtml([{ quantity: 'blocks', value: usage.length }], 'usage');
    const root_exports = Object.keys(bs);
    console.log(
      JSON.stringify({
        backend: backend.name,
        lossValue,
        gradFinite,
        denseMacs: macs.main,
        stateNames,
        runState: state,
        top1: loaded.report?.eval?.top1,
        epochs: loaded.epochs.length,
        recorded: records.count,
        blocks: usage.length,
        meanMacs: macStats.mean,
        logitsShape,
        htmlTable: html.includes('<table'),
        syncReadback: hasSyncReadback(),
        rootExports: root_exports.length,
        internalsAtRoot: ['mixSeed', 'escapeHtml', 'median', 'writeFileAtomic', 'ShardWriter'].filter((n) =>
          root_exports.includes(n),
        ),
      }),
    );
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

await main();
