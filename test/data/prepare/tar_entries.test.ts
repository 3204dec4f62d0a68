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
  for await (const e of readTarEntries(source, { label })) out.push([e.path, e.data]);
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
        assert.equal(entries[0][1].toString(), 'hello');
        assert.deepEqual(entries[1][1], big);
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
