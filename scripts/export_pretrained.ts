// Exports a finished run as a checkpoint shipped with the package: pretrained/<name>/model.safetensors
// (weights, BatchNorm statistics, model config and the run's TrainConfig; no optimizer state), card.json (the
// numbers) and MODEL_CARD.md (data, recipe, numbers, how to reproduce). The numbers come from a fresh
// evaluation of the checkpoint on the full test split with deterministic gates, not from the run's log.
// Run: node --import tsx scripts/export_pretrained.ts --run <runDir> --name <name> [--reproduce "<command>"]
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { initBackend } from '../src/backend/init_backend.js';
import { BatchLoader } from '../src/data/batch_loader.js';
import { readMeta } from '../src/data/meta_file.js';
import { atomicWriteFile } from '../src/io/atomic_write.js';
import { saveCheckpoint } from '../src/models/checkpoint.js';
import { evaluate } from '../src/train/evaluate.js';
import { loadTrainedModel } from '../src/train/load_trained_model.js';
import type { PretrainedCard } from '../src/train/pretrained.js';
import { runPaths } from '../src/train/run_paths.js';

const arg = (name: string, fallback?: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? process.argv[i + 1] : fallback;
  if (v === undefined) throw new Error(`export_pretrained: --${name} is required`);
  return v;
};
const runDir = arg('run');
const name = arg('name');
const reproduce = arg('reproduce', 'npm start');

await initBackend('wasm');
const { model, trainConfig } = await loadTrainedModel(runPaths(runDir).lastCheckpoint);
if (trainConfig === undefined) throw new Error(`export_pretrained: ${runDir} was not written by the trainer`);
const meta = await readMeta(trainConfig.data.dir);
const loader = new BatchLoader(trainConfig.data.dir, meta, {
  split: trainConfig.data.evalSplit,
  batchSize: trainConfig.data.evalBatchSize,
  shuffle: false,
  transform: trainConfig.data.evalTransform,
});
const ev = await evaluate(model, loader.epoch(0));
await loader.close();
const card: PretrainedCard = {
  name,
  description: trainConfig.description,
  dataset: `${meta.name} (${trainConfig.data.trainSplit} for training, the full ${trainConfig.data.evalSplit} split of ${ev.samples} images for the numbers)`,
  preset: trainConfig.name,
  model: `${model.config.name}, width ${model.config.widthMultiplier}, gating ${model.config.gating}`,
  top1: ev.top1!,
  testImages: ev.samples,
  meanMacs: ev.macs.meanMacs,
  denseMacs: ev.macs.meanMacs / ev.macs.meanFraction,
  macsFraction: ev.macs.meanFraction,
  reproduce,
};
const dir = join('pretrained', name);
await mkdir(dir, { recursive: true });
await saveCheckpoint(join(dir, 'model.safetensors'), {
  tensors: model.stateDict(),
  config: model.config,
  extra: { trainConfig, card },
});
await atomicWriteFile(join(dir, 'card.json'), `${JSON.stringify(card, null, 2)}\n`);
const pct = (v: number) => `${(100 * v).toFixed(2)}%`;
const o = trainConfig.optim;
const l = trainConfig.loss;
await atomicWriteFile(
  join(dir, 'MODEL_CARD.md'),
  `# ${name}

${trainConfig.description}.

- model: ${card.model} (${model.parameterCount()} parameters)
- data: ${card.dataset}
- top-1: ${pct(card.top1)} (deterministic gates, p > 0.5)
- mean MACs per image: ${(card.meanMacs / 1e6).toFixed(2)} M = ${pct(card.macsFraction)} of the same network with every
  gate open (${(card.denseMacs / 1e6).toFixed(2)} M)

## Recipe

Preset \`${trainConfig.name}\`: ${trainConfig.epochs} epoch(s) of batches of ${trainConfig.data.batchSize}, ${o.kind}${o.nesterov ? ' with Nesterov momentum' : ''} ${o.momentum}, peak lr ${o.lr} (${trainConfig.lr.schedule}, warm-up ${trainConfig.lr.warmupEpochs} epochs), weight decay ${o.weightDecay} (gates exempt: ${o.groups.gate.wdScale === 0}); batch-shaping gamma ${l.gamma} annealed to 0 by ${100 * l.gammaAnnealEnd}% of training, L0 lambda ${l.lambda} ramped from ${100 * l.lambdaRampStart}% to ${100 * l.lambdaRampEnd}%, both summed over gates (${l.basReduction}/${l.l0Reduction}); prior Beta(0.6, 0.4). The full config is inside model.safetensors (metadata \`batch_shaping.extra\`).

## Use

\`\`\`ts
import { loadPretrained } from 'batch-shaping';
const { model, trainConfig, card } = await loadPretrained('${name}');
\`\`\`

## Reproduce

\`${reproduce}\`, then \`node --import tsx scripts/export_pretrained.ts --run <runDir> --name ${name}\`.
`,
);
model.dispose();
console.log(`wrote ${dir}: top-1 ${pct(card.top1)}, MACs ${pct(card.macsFraction)} of dense`);
