// Random-access reading of a zip archive (Cityscapes ships leftImg8bit_trainvaltest.zip, 11 GB, ZIP64)
// on yauzl: the central directory is indexed once, then members are read by name in any order, so an
// image and its label mask (in two different zips) can be paired without extracting either.
// yauzl validates sizes but not CRC-32 (its README, "No CRC-32 Checking"), so we check the CRC here:
// a corrupt member is an error naming `archive.zip:member`, not a silently wrong image.

import { crc32 } from 'node:zlib';
import yauzl, { type Entry, type ZipFile } from 'yauzl';
import { checkMemberPath, checkMemberSize } from './archive_member.js';
import { errorMessage, PrepareError } from './prepare_error.js';

export class ZipArchive {
  private constructor(
    readonly path: string,
    private readonly zip: ZipFile,
    private readonly entries: Map<string, Entry>,
  ) {}

  /** Opens `path` and indexes its file members; a truncated or non-zip file is a PrepareError. */
  static async open(path: string): Promise<ZipArchive> {
    let zip: ZipFile | undefined;
    const entries = new Map<string, Entry>();
    try {
      zip = await yauzl.openPromise(path, { lazyEntries: true, autoClose: false, strictFileNames: false });
      for await (const entry of zip.eachEntry()) {
        checkMemberPath(path, entry.fileName);
        checkMemberSize(path, entry.fileName, entry.uncompressedSize);
        if (!entry.fileName.endsWith('/')) entries.set(entry.fileName, entry);
      }
    } catch (err) {
      zip?.close();
      if (err instanceof PrepareError) throw err;
      // yauzl refuses such names itself while decoding them; say it the way the tar reader does.
      const refused = /^(?:invalid relative path|absolute path): (.*)$/.exec(errorMessage(err));
      if (refused) checkMemberPath(path, refused[1]!);
      throw new PrepareError(path, `truncated or corrupt zip archive (${errorMessage(err)})`, { cause: err });
    }
    return new ZipArchive(path, zip, entries);
  }

  /** Member names (files only), in central-directory order. */
  names(): string[] {
    return [...this.entries.keys()];
  }

  has(name: string): boolean {
    return this.entries.has(name);
  }

  /** Reads one member fully; errors name `archive:member`. */
  async read(name: string): Promise<Buffer> {
    const entry = this.entries.get(name);
    const where = `${this.path}:${name}`;
    if (entry === undefined) throw new PrepareError(where, 'no such member in the zip archive');
    try {
      const stream = await this.zip.openReadStreamPromise(entry);
      const parts: Buffer[] = [];
      for await (const chunk of stream) parts.push(chunk as Buffer);
      const data = Buffer.concat(parts);
      if (crc32(data) >>> 0 !== entry.crc32 >>> 0) throw new Error('CRC-32 mismatch');
      return data;
    } catch (err) {
      throw new PrepareError(where, `corrupt zip member (${errorMessage(err)})`, { cause: err });
    }
  }

  close(): void {
    this.zip.close();
  }
}
