// One call from a checkpoint file to a ready model: reads the safetensors checkpoint, rebuilds the model
// from the config stored in it, loads weights and BatchNorm statistics, and returns the TrainConfig the run
// was trained with (when `batch-shaping train` wrote it), so the caller can rebuild the evaluation data.
// What `eval`, `analyze`, the experiment script and the notebooks share instead of spelling out
// loadCheckpoint + createModelFromConfig + applyCheckpoint each time.
import { applyCheckpoint, disposeCheckpoint, loadCheckpoint } from '../models/checkpoint.js';
import type { GatedModel, ModelConfig } from '../models/model_types.js';
import { createModelFromConfig } from '../models/registry.js';
import type { TrainConfig } from './train_config.js';

export interface TrainedModel {
  model: GatedModel;
  /** The run's config, when the checkpoint was written by the trainer. */
  trainConfig?: TrainConfig;
}

/** Loads the model saved in checkpoint `path` (a .safetensors file). The caller disposes the model. */
export async function loadTrainedModel(path: string): Promise<TrainedModel> {
  const loaded = await loadCheckpoint<ModelConfig, { trainConfig?: TrainConfig }>(path);
  let model: GatedModel | undefined;
  try {
    try {
      model = createModelFromConfig(loaded.config);
    } catch (err) {
      const msg = err instanceof Error ? err.message : String(err);
      throw new Error(`loadTrainedModel: ${path}: ${msg}`);
    }
    applyCheckpoint({ ...model.namedWeights(), ...model.namedBuffers() }, loaded);
  } catch (err) {
    model?.dispose();
    throw err;
  } finally {
    disposeCheckpoint(loaded);
  }
  const trainConfig = loaded.extra?.trainConfig;
  return trainConfig === undefined ? { model } : { model, trainConfig };
}
