// The zip reader refuses hostile members before reading them: absolute paths, '..' components, and sizes that
// cannot be held in memory; the archive is closed either way.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ZipArchive } from '../../../src/data/prepare/zip_archive.js';
import { zipBytes } from '../../fixtures/datasets/zip_writer.js';

const root = mkdtempSync(join(tmpdir(), 'prep-zip-'));
after(() => rmSync(root, { recursive: true, force: true }));

describe('ZipArchive refuses hostile members', () => {
  it("an absolute path or a '..' component is refused, naming the archive", async () => {
    for (const [i, name] of ['../evil.txt', 'gtFine/../../evil.txt', '/etc/passwd'].entries()) {
      const path = join(root, `hostile-${i}.zip`);
      writeFileSync(path, zipBytes([{ name, data: Buffer.from('x') }]));
      await assert.rejects(
        ZipArchive.open(path),
        /hostile-\d\.zip: member ".*" has an absolute path or a '\.\.' component; refused/,
        name,
      );
    }
    const fine = join(root, 'fine.zip');
    writeFileSync(fine, zipBytes([{ name: 'a/b.txt', data: Buffer.from('ok') }]));
    const zip = await ZipArchive.open(fine);
    assert.deepEqual(zip.names(), ['a/b.txt']);
    assert.equal((await zip.read('a/b.txt')).toString(), 'ok');
    zip.close();
  });
});
