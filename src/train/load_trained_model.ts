// One call from a checkpoint file to a ready model: reads the safetensors checkpoint (verifying its digest),
// rebuilds the model from the config stored in it, loads weights and BatchNorm statistics, and returns the
// TrainConfig the run was trained with (when `batch-shaping train` wrote it), so the caller can rebuild the
// evaluation data. What `eval`, `analyze`, the experiment script and the notebooks share instead of spelling
// out loadCheckpoint + createModelFromConfig + applyCheckpoint each time. Every error names the file.
import type { DatasetMeta } from '../data/schema.js';
import { loadCheckpoint } from '../models/checkpoint.js';
import { modelFromLoadedCheckpoint } from '../models/model_from_checkpoint.js';
import type { GatedModel, ModelConfig } from '../models/model_types.js';
import type { TrainConfig } from './train_config.js';

export interface TrainedModel {
  model: GatedModel;
  /** The run's config, when the checkpoint was written by the trainer. */
  trainConfig?: TrainConfig;
  /** Set when the file carries no integrity digest (written elsewhere): it loaded unverified. */
  note?: string;
}

/** Loads the model saved in checkpoint `path` (a .safetensors file). The caller disposes the model. */
export async function loadTrainedModel(path: string): Promise<TrainedModel> {
  const loaded = await loadCheckpoint<ModelConfig | undefined, { trainConfig?: TrainConfig }>(path);
  const model = modelFromLoadedCheckpoint('loadTrainedModel', path, loaded);
  const result: TrainedModel = { model };
  const trainConfig = loaded.extra?.trainConfig;
  if (trainConfig !== undefined) result.trainConfig = trainConfig;
  if (loaded.note !== undefined) result.note = loaded.note;
  return result;
}

/** Throws unless the model predicts as many classes as the dataset lists (a mismatch mislabels silently). */
export function checkModelClasses(
  model: GatedModel,
  checkpoint: string,
  meta: DatasetMeta,
  dataDir: string,
): void {
  const modelClasses = model.config.numClasses;
  if (modelClasses !== meta.classes.length) {
    throw new Error(
      `${checkpoint}: the model predicts ${modelClasses} classes but the dataset in ${dataDir} lists ${meta.classes.length} (meta.json); ` +
        'evaluate it on the dataset it was trained on (--data <dir>)',
    );
  }
}
