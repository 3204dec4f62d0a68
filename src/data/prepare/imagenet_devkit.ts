// ILSVRC2012 devkit (ILSVRC2012_devkit_t12.tar.gz, or its extracted folder): the class table in
// data/meta.mat and the validation labels in data/ILSVRC2012_validation_ground_truth.txt.
// The devkit numbers classes by ILSVRC2012_ID (1..1000, its own order); the field (torchvision's
// ImageNet/ImageFolder, timm, every published checkpoint) uses the index in the *sorted* list of WordNet
// IDs, so we translate val labels through ILSVRC2012_ID -> WNID -> sorted-WNID index, exactly as
// torchvision.datasets.imagenet.parse_devkit_archive does.

import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { matScalar, matString, readMat5 } from './mat5_reader.js';
import { errorMessage, PrepareError } from './prepare_error.js';
import { readTarEntries } from './tar_entries.js';

export const DEVKIT_ARCHIVE = 'ILSVRC2012_devkit_t12.tar.gz';
const META = 'data/meta.mat';
const GROUND_TRUTH = 'data/ILSVRC2012_validation_ground_truth.txt';

export interface ImagenetClassTable {
  /** Sorted WordNet IDs; a class's label is its index here. */
  wnids: string[];
  /** Human-readable names (the synset's `words`), aligned with `wnids`. */
  names: string[];
  /** ILSVRC2012_ID (1-based) -> WNID, for the 1000 leaf synsets. */
  wnidById: Map<number, string>;
}

export interface ImagenetDevkit extends ImagenetClassTable {
  /** Sorted-WNID label of val image k (ILSVRC2012_val_{k+1:08d}.JPEG). */
  valLabels: Int32Array;
}

/** Builds the class table from meta.mat's `synsets` (leaves: num_children == 0, as torchvision). */
export function classTableFromMetaMat(bytes: Uint8Array, file: string): ImagenetClassTable {
  let synsets: ReturnType<typeof readMat5>[string] | undefined;
  try {
    synsets = readMat5(bytes).synsets;
  } catch (err) {
    throw new PrepareError(file, `cannot parse meta.mat (${errorMessage(err)})`, { cause: err });
  }
  if (synsets?.kind !== 'struct') throw new PrepareError(file, 'meta.mat has no struct array "synsets"');
  const leaves: { id: number; wnid: string; words: string }[] = [];
  try {
    for (const s of synsets.elements) {
      if (matScalar(s.num_children, 'synsets.num_children') !== 0) continue;
      leaves.push({
        id: matScalar(s.ILSVRC2012_ID, 'synsets.ILSVRC2012_ID'),
        wnid: matString(s.WNID, 'synsets.WNID'),
        words: matString(s.words, 'synsets.words'),
      });
    }
  } catch (err) {
    throw new PrepareError(file, `unexpected synsets layout (${errorMessage(err)})`, { cause: err });
  }
  if (leaves.length === 0) throw new PrepareError(file, 'meta.mat lists no leaf synsets');
  const sorted = [...leaves].sort((a, b) => (a.wnid < b.wnid ? -1 : a.wnid > b.wnid ? 1 : 0));
  return {
    wnids: sorted.map((l) => l.wnid),
    names: sorted.map((l) => l.words),
    wnidById: new Map(leaves.map((l) => [l.id, l.wnid])),
  };
}

/** Parses the ground-truth file (one ILSVRC2012_ID per line) into sorted-WNID labels. */
export function valLabelsFromGroundTruth(text: string, table: ImagenetClassTable, file: string): Int32Array {
  const lines = text.split(/\r?\n/).filter((l) => l.trim().length > 0);
  const index = new Map(table.wnids.map((w, i) => [w, i]));
  const labels = new Int32Array(lines.length);
  lines.forEach((line, i) => {
    const id = Number(line.trim());
    const wnid = table.wnidById.get(id);
    if (!Number.isInteger(id) || wnid === undefined) {
      throw new PrepareError(
        file,
        `line ${i + 1}: "${line.trim()}" is not an ILSVRC2012_ID listed in meta.mat`,
      );
    }
    labels[i] = index.get(wnid)!;
  });
  return labels;
}

/** Reads the devkit from its .tar.gz or from an extracted folder (the one holding `data/`). */
export async function readImagenetDevkit(path: string): Promise<ImagenetDevkit> {
  let metaBytes: Uint8Array | undefined;
  let gtText: string | undefined;
  let metaName = join(path, META);
  let gtName = join(path, GROUND_TRUTH);
  if (!existsSync(path)) throw new PrepareError(path, 'ImageNet devkit not found');
  if (statSync(path).isDirectory()) {
    for (const f of [metaName, gtName]) if (!existsSync(f)) throw new PrepareError(f, 'missing devkit file');
    metaBytes = await readFile(metaName);
    gtText = await readFile(gtName, 'utf8');
  } else {
    for await (const entry of readTarEntries(path, {
      filter: (p) => p.endsWith(META) || p.endsWith(GROUND_TRUTH),
    })) {
      if (entry.path.endsWith(META)) {
        metaBytes = entry.data;
        metaName = `${path}:${entry.path}`;
      } else {
        gtText = entry.data.toString('utf8');
        gtName = `${path}:${entry.path}`;
      }
    }
    if (metaBytes === undefined) throw new PrepareError(path, `devkit archive has no ${META}`);
    if (gtText === undefined) throw new PrepareError(path, `devkit archive has no ${GROUND_TRUTH}`);
  }
  const table = classTableFromMetaMat(metaBytes, metaName);
  return { ...table, valLabels: valLabelsFromGroundTruth(gtText, table, gtName) };
}
