import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import * as tar from 'tar';
import { readTarEntries } from '../../../src/data/prepare/tar_entries.js';

const root = mkdtempSync(join(tmpdir(), 'prep-tar-'));
after(() => rmSync(root, { recursive: true, force: true }));
mkdirSync(join(root, 'src', 'sub'), { recursive: true });
writeFileSync(join(root, 'src', 'a.txt'), 'hello');
const big = Buffer.alloc(3_000_000);
for (let i = 0; i < big.length; i++) big[i] = (i * 7) % 251;
writeFileSync(join(root, 'src', 'sub', 'big.bin'), big);

async function collect(source: string | Uint8Array, label?: string): Promise<[string, Buffer][]> {
  const out: [string, Buffer][] = [];
  for await (const e of readTarEntries(source, label === undefined ? {} : { label }))
    out.push([e.path, e.data]);
  return out;
}

describe('readTarEntries', () => {
  it('streams regular files of .tar and .tar.gz (multi-chunk members intact), from file or buffer', async () => {
    for (const gzip of [false, true]) {
      const file = join(root, `x.tar${gzip ? '.gz' : ''}`);
      await tar.create({ file, gzip, cwd: join(root, 'src'), portable: true }, ['a.txt', 'sub']);
      for (const source of [file, readFileSync(file)]) {
        const entries = await collect(source);
        assert.deepEqual(
          entries.map(([p]) => p),
          ['a.txt', 'sub/big.bin'],
        );
        assert.equal(entries[0]![1].toString(), 'hello');
        assert.deepEqual(entries[1]![1], big);
      }
    }
  });

  it('rejects truncation anywhere (inside a member, at a block boundary, in gzip), naming the archive', async () => {
    const file = join(root, 'y.tar');
    await tar.create({ file, cwd: join(root, 'src'), portable: true }, ['a.txt', 'sub']);
    const full = readFileSync(file);
    for (const cut of [100, 1024, 1536, 1_000_000, full.length - 1024]) {
      await assert.rejects(
        collect(full.subarray(0, cut), 'y.tar'),
        /^PrepareError: y.tar: truncated or corrupt tar archive/,
        `cut at ${cut}`,
      );
    }
    const gz = join(root, 'y.tar.gz');
    await tar.create({ file: gz, gzip: true, cwd: join(root, 'src'), portable: true }, ['a.txt', 'sub']);
    const gzBytes = readFileSync(gz);
    writeFileSync(gz, gzBytes.subarray(0, gzBytes.length - 50));
    await assert.rejects(collect(gz), (err: Error) =>
      err.message.startsWith(`${gz}: truncated or corrupt tar archive`),
    );
  });
});

/** A one-member tar built header by header (node-tar's create would not store such a path). */
function tarWithMember(path: string, size = 5): Buffer {
  const header = new tar.Header({ path, mode: 0o644, size, type: 'File', mtime: new Date(0) });
  header.encode();
  const data = Buffer.alloc(Math.ceil(Math.min(size, 5) / 512) * 512);
  data.write('hello'.slice(0, size));
  return Buffer.concat([header.block!, data, Buffer.alloc(1024)]);
}

describe('readTarEntries refuses hostile members', () => {
  it("an absolute path or a '..' component is refused, naming the archive and the member", async () => {
    for (const path of ['../evil.txt', 'a/../../evil.txt', '/etc/passwd']) {
      await assert.rejects(
        collect(tarWithMember(path), 'hostile.tar'),
        /hostile\.tar: member ".*" has an absolute path or a '\.\.' component; refused/,
        path,
      );
    }
    assert.deepEqual(
      (await collect(tarWithMember('ok/file.txt'), 'fine.tar')).map(([p]) => p),
      ['ok/file.txt'],
    );
  });

  it('a header claiming terabytes is refused before anything is buffered', async () => {
    await assert.rejects(
      collect(tarWithMember('huge.bin', 2 ** 40), 'huge.tar'),
      /huge\.tar: member "huge\.bin" claims 1099511627776 bytes; expected at most/,
    );
  });
});
