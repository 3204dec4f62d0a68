// A read-only tree of files that is either a folder on disk or the members of a zip archive under a
// prefix, so dataset code (Cityscapes) lists and reads `train/aachen/x.png` the same way from
// `leftImg8bit/` or from `leftImg8bit_trainvaltest.zip`.

import { readdir, readFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { errorMessage, PrepareError } from './prepare_error.js';
import type { ZipArchive } from './zip_archive.js';

export interface FileTree {
  /** Relative paths with '/' separators, sorted. */
  list(): Promise<string[]>;
  read(rel: string): Promise<Buffer>;
  /** How errors name `rel`: a file path, or `archive.zip:member`. */
  where(rel: string): string;
  close(): void;
}

export function folderTree(root: string): FileTree {
  return {
    async list() {
      const out: string[] = [];
      const walk = async (dir: string) => {
        for (const e of await readdir(dir, { withFileTypes: true })) {
          if (e.name.startsWith('.')) continue;
          const p = join(dir, e.name);
          if (e.isDirectory()) await walk(p);
          else if (e.isFile()) out.push(relative(root, p).split(sep).join('/'));
        }
      };
      await walk(root);
      return out.sort();
    },
    async read(rel) {
      try {
        return await readFile(join(root, rel));
      } catch (err) {
        throw new PrepareError(join(root, rel), `cannot read (${errorMessage(err)})`, { cause: err });
      }
    },
    where: (rel) => join(root, rel),
    close() {},
  };
}

/** Members of `zip` under `prefix/` (the prefix is stripped from listed names). */
export function zipTree(zip: ZipArchive, prefix: string): FileTree {
  const p = `${prefix}/`;
  return {
    async list() {
      return zip
        .names()
        .filter((n) => n.startsWith(p))
        .map((n) => n.slice(p.length))
        .sort();
    },
    read: (rel) => zip.read(p + rel),
    where: (rel) => `${zip.path}:${p}${rel}`,
    close: () => zip.close(),
  };
}
