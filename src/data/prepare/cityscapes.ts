// Cityscapes fine annotations (Cordts et al., CVPR 2016) -> Arrow segmentation shards.
// Source folder holding either the extracted folders `leftImg8bit/{train,val}/<city>/*_leftImg8bit.png`
// and `gtFine/{train,val}/<city>/*_gtFine_labelIds.png`, or the official zips
// leftImg8bit_trainvaltest.zip and gtFine_trainvaltest.zip (read in place, members by name; each of
// the two may independently be a folder or a zip). The test split has no public labels and is skipped.
// Masks: labelIds -> the 19 trainIds of cityscapesScripts (others 255 = ignore), resized with nearest
// neighbour; images resized to `size` (H x W, default 512 x 1024, half the original 1024 x 2048).
// Ids: `<city>_<seq>_<frame>` (the file name without its suffix). No sources checksums are recorded:
// hashing the 11 GB image zip would double the reading time.

import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { writeMeta } from '../meta_file.js';
import { IGNORE_INDEX, SCHEMA_VERSION } from '../schema.js';
import { type SplitResult, splitMeta } from '../shard_writer.js';
import { CITYSCAPES_CLASSES, cityscapesTrainIdLut } from './cityscapes_labels.js';
import { type FileTree, folderTree, zipTree } from './file_tree.js';
import { ImagePool } from './image_pool.js';
import { errorMessage, PrepareError } from './prepare_error.js';
import {
  beginOutput,
  checkShardSize,
  defaultShardSize,
  type PrepareOptions,
  type PrepareResult,
  resolveProgress,
} from './prepare_options.js';
import { stagedPrepare } from './staged_output.js';
import { writeSplit } from './write_split.js';
import { ZipArchive } from './zip_archive.js';

export interface CityscapesPrepareOptions extends PrepareOptions {
  /** Output size: "HxW", "H" (W = 2H), a number (H), or [H, W]. Default 512x1024. */
  size?: string | number | [number, number];
  /** Splits to prepare; default train and val. */
  splits?: string[];
}

const IMAGE_SUFFIX = '_leftImg8bit.png';
const MASK_SUFFIX = '_gtFine_labelIds.png';

export function parseCityscapesSize(size: CityscapesPrepareOptions['size']): [number, number] {
  let hw: [number, number];
  if (size === undefined) hw = [512, 1024];
  else if (Array.isArray(size)) hw = [size[0], size[1]];
  else {
    const m = /^(\d+)(?:x(\d+))?$/.exec(String(size).trim());
    hw = m ? [Number(m[1]), m[2] !== undefined ? Number(m[2]) : 2 * Number(m[1])] : [Number.NaN, Number.NaN];
  }
  if (!hw.every((d) => Number.isInteger(d) && d >= 4 && d <= 8192)) {
    throw new Error(
      `prepareCityscapes: options.size: expected "HxW" or "H" (4..8192 px), got ${JSON.stringify(size)}`,
    );
  }
  return hw;
}

async function openTree(source: string, folder: string, zipName: string): Promise<FileTree> {
  const dir = join(source, folder);
  if (existsSync(dir) && statSync(dir).isDirectory()) return folderTree(dir);
  const zip = join(source, zipName);
  if (existsSync(zip)) return zipTree(await ZipArchive.open(zip), folder);
  throw new PrepareError(dir, `missing Cityscapes folder (or ${zipName} next to it)`);
}

async function prepareCityscapesInto(options: CityscapesPrepareOptions): Promise<PrepareResult> {
  checkShardSize('prepareCityscapes', options.shardSize);
  if (options.download) {
    throw new Error(
      'prepareCityscapes: options.download: Cityscapes needs a login at cityscapes-dataset.com; got true',
    );
  }
  const [height, width] = parseCityscapesSize(options.size);
  const source = options.source;
  if (source === undefined)
    throw new Error('prepareCityscapes: options.source: expected a folder, got undefined');
  if (!existsSync(source) || !statSync(source).isDirectory())
    throw new PrepareError(source, 'Cityscapes source folder not found');
  const images = await openTree(source, 'leftImg8bit', 'leftImg8bit_trainvaltest.zip');
  let masks: FileTree | undefined;
  const pool = new ImagePool({ workers: options.workers });
  try {
    masks = await openTree(source, 'gtFine', 'gtFine_trainvaltest.zip');
    // Pair every image with its mask before writing anything.
    const imageFiles = await images.list();
    const maskFiles = new Set(await masks.list());
    const plan: { split: string; pairs: { id: string; image: string; mask: string }[] }[] = [];
    for (const split of options.splits ?? ['train', 'val']) {
      const pairs = imageFiles
        .filter((f) => f.startsWith(`${split}/`) && f.endsWith(IMAGE_SUFFIX))
        .map((image) => {
          const stem = image.slice(0, -IMAGE_SUFFIX.length);
          const mask = `${stem}${MASK_SUFFIX}`;
          if (!maskFiles.has(mask))
            throw new PrepareError(masks!.where(mask), `missing label mask for ${images.where(image)}`);
          return { id: stem.slice(stem.lastIndexOf('/') + 1), image, mask };
        });
      if (pairs.length === 0)
        throw new PrepareError(images.where(split), `no *${IMAGE_SUFFIX} images for split ${split}`);
      plan.push({ split, pairs });
    }

    await beginOutput(options.out);
    const lut = cityscapesTrainIdLut();
    const progress = resolveProgress(options.progress);
    const shardSize = options.shardSize ?? defaultShardSize(height * width * 4);
    const results: SplitResult[] = [];
    for (const { split, pairs } of plan) {
      const records = pairs.map((p) => ({
        id: p.id,
        decode: async () => {
          const [img, msk] = await Promise.all([images.read(p.image), masks!.read(p.mask)]);
          try {
            const r = await pool.run({ kind: 'segmentation', image: img, mask: msk, height, width, lut });
            if (r.kind !== 'segmentation') throw new Error('unexpected job result');
            return { image: r.image, mask: r.mask }; // [H, W, 3] and [H, W]
          } catch (err) {
            const msg = errorMessage(err);
            const file = msg.startsWith('mask:')
              ? masks!.where(p.mask)
              : msg.startsWith('image/mask')
                ? `${images.where(p.image)} and ${masks!.where(p.mask)}`
                : images.where(p.image);
            throw new PrepareError(file, msg.startsWith('image/mask') ? msg : `cannot decode (${msg})`, {
              cause: err,
            });
          }
        },
      }));
      results.push(
        await writeSplit({
          outDir: options.out,
          split,
          task: 'segmentation',
          imageShape: [height, width, 3],
          maskShape: [height, width],
          numClasses: CITYSCAPES_CLASSES.length,
          shardSize,
          records,
          total: records.length,
          concurrency: Math.max(2, 2 * pool.size),
          progress,
        }),
      );
    }
    const train = results.find((r) => r.split === 'train');
    if (train === undefined) throw new PrepareError(options.out, 'no train split was written');
    await writeMeta(options.out, {
      schemaVersion: SCHEMA_VERSION,
      name: 'cityscapes',
      task: 'segmentation',
      classes: CITYSCAPES_CLASSES,
      imageShape: [height, width, 3],
      maskShape: [height, width],
      ignoreIndex: IGNORE_INDEX,
      splits: Object.fromEntries(results.map((r) => [r.split, splitMeta(r)])),
      mean: train.mean,
      std: train.std,
      sources: [],
      difficulty: false,
      description:
        `Cityscapes gtFine ${results.map((r) => r.split).join('/')}; masks are cityscapesScripts trainIds ` +
        `(255 = ignore), nearest-neighbour resized; images resized to ${height}x${width}.`,
    });
    return {
      out: options.out,
      counts: Object.fromEntries(results.map((r) => [r.split, r.count])),
      reused: Object.fromEntries(results.map((r) => [r.split, r.reused])),
    };
  } finally {
    await pool.close();
    images.close();
    masks?.close();
  }
}

/**
 * Prepares the dataset into `options.out`. Locked against a second process; a rebuild over a complete
 * dataset is staged and swapped in on success, so a failure leaves the existing dataset untouched.
 */
export const prepareCityscapes: (options: CityscapesPrepareOptions) => Promise<PrepareResult> =
  stagedPrepare(prepareCityscapesInto);
