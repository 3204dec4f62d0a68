// The names a checkpoint file's layout is made of (see checkpoint.ts): shared by the Node reader and writer
// and the browser reader (checkpoint_bytes.ts), which must not import node:fs.

/** Version of the layout; a reader refuses files from a newer writer. */
export const CHECKPOINT_VERSION = '1';
/** Name prefix of optimizer-state tensors inside a checkpoint file. */
export const OPTIMIZER_PREFIX = 'optimizer/';

export const META_VERSION = 'batch_shaping.version';
export const META_CONFIG = 'batch_shaping.config';
export const META_EXTRA = 'batch_shaping.extra';
