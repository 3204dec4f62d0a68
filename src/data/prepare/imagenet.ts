// ImageNet ILSVRC2012 (Russakovsky et al., IJCV 2015) and ImageNet-style folders (Imagenette,
// Imagewoof) -> Arrow shards of fixed-size square RGB images.
//
// Source forms (`source` is a folder):
//  1. ImageNet-style folders: `train/<wnid>/*.JPEG` and `val/<wnid>/*.JPEG` (Imagenette, Imagewoof, or
//     ImageNet already sorted into class folders). Classes = sorted train folder names.
//  2. As 1, but `val/` holds the 50 000 flat `ILSVRC2012_val_XXXXXXXX.JPEG` files: labels come from the
//     devkit (`devkit` option, or ILSVRC2012_devkit_t12.tar.gz / ILSVRC2012_devkit_t12/ in the source).
//  3. The official archives in the source folder: ILSVRC2012_img_train.tar (a tar of per-class tars
//     `n01440764.tar`), ILSVRC2012_img_val.tar (flat JPEGs) and the devkit. Read as streams; nothing is
//     extracted to disk.
// Labels are indices into the sorted WordNet IDs (torchvision's ImageFolder/ImageNet order), so
// published checkpoints' class indices apply unchanged.
//
// Images: shorter side resized to `size`, then centre-cropped to size x size (image_ops.ts), decoded by
// sharp in worker threads. Default size 256 for 1000-class ImageNet (training crops 224 inside it),
// 160 otherwise (Imagenette's "160 px" variant). Ids are `<wnid>/<file name>` (train) and the val file
// name. Order: folder sources are sorted; archives keep archive order (class-grouped), so readers must
// shuffle across shards (the Arrow shards allow random access).

import { existsSync, statSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { atomicWriteFile } from '../../io/atomic_write.js';
import { writeMeta } from '../meta_file.js';
import { SCHEMA_VERSION, type SourceChecksum } from '../schema.js';
import { type SplitResult, splitMeta } from '../shard_writer.js';
import { sha256OfFile } from './checksum.js';
import { ImagePool } from './image_pool.js';
import { DEVKIT_ARCHIVE, type ImagenetDevkit, readImagenetDevkit } from './imagenet_devkit.js';
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
import { readTarEntries } from './tar_entries.js';
import { type PendingRecord, writeSplit } from './write_split.js';

export const IMAGENET_TRAIN_TAR = 'ILSVRC2012_img_train.tar';
export const IMAGENET_VAL_TAR = 'ILSVRC2012_img_val.tar';
/** Written next to meta.json: WordNet ID -> human-readable words (devkit), or the ID itself. */
export const CLASS_NAMES_FILE = 'class_names.json';
const IMAGE_EXT = new Set(['.jpeg', '.jpg', '.png']);

export interface ImagenetPrepareOptions extends PrepareOptions {
  /** Shorter side and square crop, in pixels (number or numeric string). Default 256 / 160 (see header). */
  size?: number | string;
  /** Devkit archive or folder; default looked up in the source folder. */
  devkit?: string;
  /** Dataset name in meta.json; default "imagenet" for 1000 classes, else the source folder's name. */
  name?: string;
}

function isImage(name: string): boolean {
  return !basename(name).startsWith('.') && IMAGE_EXT.has(extname(name).toLowerCase());
}

async function listDir(dir: string): Promise<{ dirs: string[]; files: string[] }> {
  const entries = await readdir(dir, { withFileTypes: true });
  const dirs = entries
    .filter((e) => e.isDirectory() && !e.name.startsWith('.'))
    .map((e) => e.name)
    .sort();
  const files = entries
    .filter((e) => e.isFile() && !e.name.startsWith('.'))
    .map((e) => e.name)
    .sort();
  return { dirs, files };
}

function findDevkit(source: string, explicit: string | undefined): string | undefined {
  if (explicit !== undefined) {
    if (!existsSync(explicit)) throw new PrepareError(explicit, 'ImageNet devkit not found');
    return explicit;
  }
  for (const name of [DEVKIT_ARCHIVE, 'ILSVRC2012_devkit_t12']) {
    if (existsSync(join(source, name))) return join(source, name);
  }
  return undefined;
}

function parseSize(size: ImagenetPrepareOptions['size']): number | undefined {
  if (size === undefined) return undefined;
  const n = Number(size);
  if (!Number.isInteger(n) || n < 8 || n > 4096) {
    throw new Error(
      `prepareImagenet: options.size: expected an integer in [8, 4096], got ${JSON.stringify(size)}`,
    );
  }
  return n;
}

/** Val image number k (1-based) of `ILSVRC2012_val_00000042.JPEG`, or null. */
function valIndexOf(name: string): number | null {
  const m = /^ILSVRC2012_val_(\d{8})\.[A-Za-z]+$/.exec(basename(name));
  return m ? Number(m[1]) : null;
}

interface SplitSource {
  split: string;
  /** Known up front (folders, val via devkit); undefined for the streamed train tar. */
  total?: number;
  records: (decode: Decoder) => AsyncIterable<PendingRecord> | Iterable<PendingRecord>;
}

type Decoder = (bytes: Uint8Array | (() => Promise<Uint8Array>), file: string) => Promise<Uint8Array>;

interface Plan {
  classes: string[];
  names: string[];
  splits: SplitSource[];
  sources: SourceChecksum[];
  defaultName: string;
}

async function planFolders(source: string, devkitPath: string | undefined): Promise<Plan> {
  const trainDir = join(source, 'train');
  const valDir = join(source, 'val');
  const train = await listDir(trainDir);
  if (train.dirs.length === 0)
    throw new PrepareError(trainDir, 'no class folders (expected train/<wnid>/*.JPEG)');
  const strayTrain = train.files.filter(isImage);
  if (strayTrain.length > 0)
    throw new PrepareError(join(trainDir, strayTrain[0]!), 'image outside a class folder');
  const classes = train.dirs;
  const index = new Map(classes.map((c, i) => [c, i]));
  let devkit: ImagenetDevkit | undefined;
  let names = classes;
  if (devkitPath !== undefined) {
    devkit = await readImagenetDevkit(devkitPath);
    const known = new Set(devkit.wnids);
    const unknown = classes.find((c) => !known.has(c));
    if (unknown !== undefined)
      throw new PrepareError(join(trainDir, unknown), 'unknown class folder (not in the devkit)');
    if (classes.length === devkit.wnids.length) names = devkit.names;
  }

  const trainFiles: { file: string; id: string; label: number }[] = [];
  for (const c of classes) {
    const dir = join(trainDir, c);
    for (const f of (await listDir(dir)).files.filter(isImage)) {
      trainFiles.push({ file: join(dir, f), id: `${c}/${f}`, label: index.get(c)! });
    }
  }
  const splits: SplitSource[] = [
    {
      split: 'train',
      total: trainFiles.length,
      records: (decode) =>
        trainFiles.map((t) => ({
          id: t.id,
          decode: async () => ({ image: await decode(() => readFile(t.file), t.file), label: t.label }),
        })),
    },
  ];

  if (existsSync(valDir)) {
    const val = await listDir(valDir);
    const valFiles: { file: string; id: string; label: number }[] = [];
    for (const c of val.dirs) {
      const label = index.get(c);
      if (label === undefined)
        throw new PrepareError(join(valDir, c), 'unknown class folder (no such class in train/)');
      for (const f of (await listDir(join(valDir, c))).files.filter(isImage)) {
        valFiles.push({ file: join(valDir, c, f), id: `${c}/${f}`, label });
      }
    }
    const flat = val.files.filter(isImage);
    if (flat.length > 0) {
      if (devkit === undefined) {
        throw new PrepareError(valDir, `flat val images need the devkit (${DEVKIT_ARCHIVE}; pass --devkit)`);
      }
      for (const f of flat) {
        const k = valIndexOf(f);
        if (k === null || k < 1 || k > devkit.valLabels.length) {
          throw new PrepareError(
            join(valDir, f),
            'not an ILSVRC2012_val_XXXXXXXX image listed in the devkit ground truth',
          );
        }
        // valLabelsFromGroundTruth made every label an index into wnids.
        const label = index.get(devkit.wnids[devkit.valLabels[k - 1]!]!);
        if (label === undefined)
          throw new PrepareError(join(valDir, f), 'its devkit class has no train folder');
        valFiles.push({ file: join(valDir, f), id: f, label });
      }
    }
    splits.push({
      split: 'val',
      total: valFiles.length,
      records: (decode) =>
        valFiles.map((t) => ({
          id: t.id,
          decode: async () => ({ image: await decode(() => readFile(t.file), t.file), label: t.label }),
        })),
    });
  }
  const sources: SourceChecksum[] = [];
  if (devkitPath !== undefined && statSync(devkitPath).isFile()) {
    sources.push({ name: basename(devkitPath), sha256: await sha256OfFile(devkitPath) });
  }
  return {
    classes,
    names,
    splits,
    sources,
    defaultName: classes.length === 1000 ? 'imagenet' : basename(source),
  };
}

async function planArchives(source: string, devkitPath: string | undefined): Promise<Plan> {
  if (devkitPath === undefined) {
    throw new PrepareError(
      join(source, DEVKIT_ARCHIVE),
      'the ILSVRC2012 archives need the devkit (missing; pass --devkit)',
    );
  }
  const devkit = await readImagenetDevkit(devkitPath);
  const index = new Map(devkit.wnids.map((w, i) => [w, i]));
  const trainTar = join(source, IMAGENET_TRAIN_TAR);
  const valTar = join(source, IMAGENET_VAL_TAR);
  const splits: SplitSource[] = [];
  if (!existsSync(trainTar)) throw new PrepareError(trainTar, 'missing ImageNet train archive');
  splits.push({
    split: 'train',
    records: async function* (decode) {
      for await (const outer of readTarEntries(trainTar)) {
        const member = `${trainTar}:${outer.path}`;
        if (!outer.path.endsWith('.tar')) continue;
        const wnid = basename(outer.path, '.tar');
        const label = index.get(wnid);
        if (label === undefined) throw new PrepareError(member, `unknown class ${wnid} (not in the devkit)`);
        for await (const inner of readTarEntries(outer.data, { label: member })) {
          if (!isImage(inner.path)) continue;
          const file = `${member}:${inner.path}`;
          yield {
            id: `${wnid}/${basename(inner.path)}`,
            decode: async () => ({ image: await decode(inner.data, file), label }),
          };
        }
      }
    },
  });
  if (existsSync(valTar)) {
    splits.push({
      split: 'val',
      total: devkit.valLabels.length,
      records: async function* (decode) {
        for await (const entry of readTarEntries(valTar)) {
          if (!isImage(entry.path)) continue;
          const file = `${valTar}:${entry.path}`;
          const k = valIndexOf(entry.path);
          if (k === null || k < 1 || k > devkit.valLabels.length) {
            throw new PrepareError(
              file,
              'not an ILSVRC2012_val_XXXXXXXX image listed in the devkit ground truth',
            );
          }
          const label = devkit.valLabels[k - 1]!;
          yield {
            id: basename(entry.path),
            decode: async () => ({ image: await decode(entry.data, file), label }),
          };
        }
      },
    });
  }
  const sources: SourceChecksum[] = [];
  if (statSync(devkitPath).isFile())
    sources.push({ name: basename(devkitPath), sha256: await sha256OfFile(devkitPath) });
  return { classes: devkit.wnids, names: devkit.names, splits, sources, defaultName: 'imagenet' };
}

async function prepareImagenetInto(options: ImagenetPrepareOptions): Promise<PrepareResult> {
  checkShardSize('prepareImagenet', options.shardSize);
  if (options.download) {
    throw new Error(
      'prepareImagenet: options.download: ImageNet has no public download (image-net.org login); got true',
    );
  }
  const source = options.source;
  if (source === undefined)
    throw new Error('prepareImagenet: options.source: expected a folder, got undefined');
  if (!existsSync(source) || !statSync(source).isDirectory())
    throw new PrepareError(source, 'ImageNet source folder not found');
  const devkitPath = findDevkit(source, options.devkit);
  let plan: Plan;
  if (existsSync(join(source, 'train'))) plan = await planFolders(source, devkitPath);
  else if (existsSync(join(source, IMAGENET_TRAIN_TAR))) plan = await planArchives(source, devkitPath);
  else {
    throw new PrepareError(
      source,
      `expected train/<wnid>/ folders or ${IMAGENET_TRAIN_TAR} (+ ${IMAGENET_VAL_TAR}, ${DEVKIT_ARCHIVE})`,
    );
  }
  const size = parseSize(options.size) ?? (plan.classes.length === 1000 ? 256 : 160);
  const imageShape: [number, number, number] = [size, size, 3];
  const shardSize = options.shardSize ?? defaultShardSize(size * size * 3);
  const progress = resolveProgress(options.progress);

  await beginOutput(options.out);
  const pool = new ImagePool({ workers: options.workers });
  const decode: Decoder = async (bytes, file) => {
    let result: Awaited<ReturnType<ImagePool['run']>>;
    try {
      const data = typeof bytes === 'function' ? await bytes() : bytes;
      result = await pool.run({ kind: 'square', bytes: data, size });
    } catch (err) {
      throw new PrepareError(file, `cannot decode image (${errorMessage(err)})`, { cause: err });
    }
    return result.image; // [size, size, 3] HWC
  };
  const results: SplitResult[] = [];
  try {
    for (const s of plan.splits) {
      results.push(
        await writeSplit({
          outDir: options.out,
          split: s.split,
          task: 'classification',
          imageShape,
          numClasses: plan.classes.length,
          shardSize,
          records: s.records(decode),
          total: s.total,
          concurrency: Math.max(2, 2 * pool.size),
          progress,
        }),
      );
    }
  } finally {
    await pool.close();
  }
  const train = results.find((r) => r.split === 'train');
  if (train === undefined) throw new PrepareError(options.out, 'no train split was written');
  // WordNet words are not unique ("crane" is a bird and a machine), so they cannot be meta.json's
  // classes; they go to a side file, wnid -> words.
  await atomicWriteFile(
    join(options.out, CLASS_NAMES_FILE),
    `${JSON.stringify(Object.fromEntries(plan.classes.map((c, i) => [c, plan.names[i]])), null, 2)}\n`,
  );
  await writeMeta(options.out, {
    schemaVersion: SCHEMA_VERSION,
    name: options.name ?? plan.defaultName,
    task: 'classification',
    classes: plan.classes,
    imageShape,
    splits: Object.fromEntries(results.map((r) => [r.split, splitMeta(r)])),
    mean: train.mean,
    std: train.std,
    sources: plan.sources,
    difficulty: false,
    description:
      'ImageNet-style classification; classes are sorted WordNet IDs (torchvision order), their words in ' +
      `${CLASS_NAMES_FILE}; images: shorter side resized to ${size} px, centre crop ${size}x${size}.`,
  });
  return {
    out: options.out,
    counts: Object.fromEntries(results.map((r) => [r.split, r.count])),
    reused: Object.fromEntries(results.map((r) => [r.split, r.reused])),
  };
}

/**
 * Prepares the dataset into `options.out`. Locked against a second process; a rebuild over a complete
 * dataset is staged and swapped in on success, so a failure leaves the existing dataset untouched.
 */
export const prepareImagenet: (options: ImagenetPrepareOptions) => Promise<PrepareResult> =
  stagedPrepare(prepareImagenetInto);
