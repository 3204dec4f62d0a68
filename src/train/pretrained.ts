// Trained checkpoints shipped with the package, so a user sees a trained model's gate usage without training
// first: `pretrained/<name>/model.safetensors` (weights, BatchNorm statistics, the model config and the run's
// TrainConfig; no optimizer state) next to its model card `MODEL_CARD.md` (data, recipe, top-1, MACs, how to
// reproduce) and `card.json` (the same numbers, machine-readable). scripts/export_pretrained.ts writes them from
// a finished run.
import { existsSync, readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { loadTrainedModel, type TrainedModel } from './load_trained_model.js';

/** What card.json holds: the headline numbers of the shipped checkpoint. */
export interface PretrainedCard {
  name: string;
  description: string;
  dataset: string;
  preset: string;
  model: string;
  /** Top-1 accuracy on the full test split, deterministic gates. */
  top1: number;
  testImages: number;
  /** Mean MACs per image and as a fraction of the same network with every gate open. */
  meanMacs: number;
  denseMacs: number;
  macsFraction: number;
  reproduce: string;
}

/** Folder of the shipped checkpoints (the package's `pretrained/`, from src/train or dist/train alike). */
function pretrainedDir(): string {
  return fileURLToPath(new URL('../../pretrained/', import.meta.url));
}

/** Names of the shipped checkpoints. */
export function listPretrained(): string[] {
  const dir = pretrainedDir();
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && existsSync(`${dir}${e.name}/model.safetensors`))
    .map((e) => e.name)
    .sort();
}

/** Path of a shipped checkpoint's file (model.safetensors, card.json, MODEL_CARD.md). */
export function pretrainedPath(name: string, file = 'model.safetensors'): string {
  const names = listPretrained();
  if (!names.includes(name)) {
    throw new Error(
      `pretrained: argument 'name' must be one of ${names.join(', ') || '(none shipped)'}; got ${JSON.stringify(name)}`,
    );
  }
  return `${pretrainedDir()}${name}/${file}`;
}

/** Loads a shipped checkpoint: the model (ready for inference) and the config it was trained with. */
export async function loadPretrained(name: string): Promise<TrainedModel & { card: PretrainedCard }> {
  const card = JSON.parse(await readFile(pretrainedPath(name, 'card.json'), 'utf8')) as PretrainedCard;
  return { ...(await loadTrainedModel(pretrainedPath(name))), card };
}
