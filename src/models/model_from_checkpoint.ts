// A loaded checkpoint turned into a ready model: rebuilt from the config stored in the file, weights and BatchNorm
// statistics assigned. Shared by loadTrainedModel (a file, in Node) and modelFromCheckpointBytes (bytes, in a
// browser); every error names the checkpoint.
import type { LoadedCheckpoint } from './checkpoint.js';
import { disposeCheckpoint } from './checkpoint_apply.js';
import type { GatedModel, ModelConfig } from './model_types.js';
import { createModelFromConfig } from './registry.js';

/**
 * Builds the model `loaded` describes and assigns its tensors; disposes `loaded` either way. Errors start with
 * `fn: source:`. The caller disposes the model.
 */
export function modelFromLoadedCheckpoint(
  fn: string,
  source: string,
  loaded: LoadedCheckpoint<ModelConfig | undefined, unknown>,
): GatedModel {
  let model: GatedModel | undefined;
  try {
    if (loaded.config === undefined) {
      throw new Error(
        'holds no model config (a safetensors file not written by batch-shaping); build the model yourself and use model.loadStateDict(loaded.tensors)',
      );
    }
    model = createModelFromConfig(loaded.config);
    model.loadStateDict(loaded.tensors);
    return model;
  } catch (err) {
    model?.dispose();
    throw new Error(`${fn}: ${source}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  } finally {
    disposeCheckpoint(loaded);
  }
}
