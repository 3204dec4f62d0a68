import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { CIFAR10_MD5, prepareCifar10 } from '../../../src/data/prepare/cifar10.js';
import {
  cifarLabel,
  cifarPixel,
  FIXTURE_CLASSES,
  writeCifarFolder,
  writeCifarTarball,
} from '../../fixtures/datasets/cifar_fixture.js';
import { freshDirs } from './fresh_dirs.js';
import { leftovers, readMetaJson, readSplit } from './shard_readback.js';

const fresh = freshDirs('prep-cifar-');

const PER_BATCH = 3;
const N_TEST = 4;

function checkOutput(out: string): void {
  const train = readSplit(out, 'train');
  assert.equal(train.ids.length, 5 * PER_BATCH);
  for (let k = 0; k < train.ids.length; k++) {
    const b = 1 + Math.floor(k / PER_BATCH);
    const i = k % PER_BATCH;
    assert.equal(train.ids[k], `data_batch_${b}:${i}`);
    assert.equal(train.labels[k], cifarLabel(b, i));
    const img = train.images[k]!; // [32, 32, 3] HWC
    for (const [y, x, c] of [
      [0, 0, 0],
      [0, 0, 2],
      [0, 1, 0],
      [5, 9, 1],
      [31, 30, 2],
    ] as const) {
      assert.equal(
        img[(y * 32 + x) * 3 + c],
        cifarPixel(b, i, c, y, x),
        `train[${k}] (y=${y}, x=${x}, c=${c})`,
      );
    }
  }
  const test = readSplit(out, 'test');
  assert.deepEqual(
    test.labels,
    Array.from({ length: N_TEST }, (_, i) => cifarLabel(6, i)),
  );
  assert.equal(test.images[3]![(7 * 32 + 4) * 3 + 1], cifarPixel(6, 3, 1, 7, 4));
  const meta = readMetaJson(out);
  assert.deepEqual(meta.classes, FIXTURE_CLASSES);
  assert.deepEqual(meta.imageShape, [32, 32, 3]);
  assert.equal(meta.splits.train?.count, 5 * PER_BATCH);
  assert.equal(meta.splits.test?.count, N_TEST);
}

describe('prepareCifar10', () => {
  it('converts an extracted cifar-10-batches-bin folder (CHW records -> HWC shards)', async () => {
    const { src, out } = fresh();
    const folder = writeCifarFolder(src, PER_BATCH, N_TEST);
    const res = await prepareCifar10({ source: folder, out, shardSize: 4, progress: 'quiet' });
    assert.deepEqual(res.counts, { train: 15, test: 4 });
    checkOutput(out);
    assert.deepEqual(
      readMetaJson(out).splits.train!.shards.map((s) => s.count),
      [4, 4, 4, 3],
    );
  });

  it('reads the tarball (checksum injectable) and the folder holding it', async () => {
    const { src, out } = fresh();
    writeCifarFolder(src, PER_BATCH, N_TEST);
    const tarball = await writeCifarTarball(src);
    rmSync(join(src, 'cifar-10-batches-bin'), { recursive: true });
    const md5 = { 'cifar-10-binary.tar.gz': createHash('md5').update(readFileSync(tarball)).digest('hex') };
    await prepareCifar10({ source: src, out, md5, progress: 'quiet' });
    checkOutput(out);
    const sha = createHash('sha256').update(readFileSync(tarball)).digest('hex');
    assert.deepEqual(readMetaJson(out).sources, [{ name: 'cifar-10-binary.tar.gz', sha256: sha }]);
  });

  it('rejects a tarball whose MD5 is not the official one, naming it', async () => {
    const { src, out } = fresh();
    writeCifarFolder(src, 1, 1);
    const tarball = await writeCifarTarball(src);
    await assert.rejects(prepareCifar10({ source: tarball, out, progress: 'quiet' }), (err: Error) => {
      assert.match(err.message, new RegExp(`checksum mismatch: expected MD5 ${CIFAR10_MD5}`));
      assert.ok(err.message.startsWith(tarball));
      return true;
    });
    assert.deepEqual(leftovers(out), []);
  });

  const badCases: [string, (src: string) => Promise<string>, RegExp][] = [
    [
      'truncated tarball',
      async (src) => {
        const t = await writeCifarTarball(src);
        truncateSync(t, Math.floor(readFileSync(t).length / 2));
        return t;
      },
      /truncated or corrupt tar/,
    ],
    [
      'truncated batch file',
      async (src) => {
        const p = join(src, 'cifar-10-batches-bin', 'data_batch_3.bin');
        truncateSync(p, 3073 * 2 + 100);
        return p;
      },
      /not a positive multiple/,
    ],
    [
      'missing batch file',
      async (src) => {
        const p = join(src, 'cifar-10-batches-bin', 'test_batch.bin');
        rmSync(p);
        return p;
      },
      /missing CIFAR-10 batch file/,
    ],
    [
      'label out of range',
      async (src) => {
        const p = join(src, 'cifar-10-batches-bin', 'data_batch_5.bin');
        const b = readFileSync(p);
        b[3073] = 10;
        writeFileSync(p, b);
        return p;
      },
      /record 1 has label 10/,
    ],
    ['missing source', async (src) => join(src, 'nope'), /not found/],
  ];
  for (const [name, corrupt, pattern] of badCases) {
    it(`stops on ${name}, naming the file, with no shard or temp file left`, async () => {
      const { src, out } = fresh();
      writeCifarFolder(src, PER_BATCH, N_TEST);
      const file = await corrupt(src);
      const source =
        file.endsWith('.tar.gz') || file.endsWith('nope') ? file : join(src, 'cifar-10-batches-bin');
      await assert.rejects(
        prepareCifar10({ source, out, md5: { 'cifar-10-binary.tar.gz': null }, progress: 'quiet' }),
        (err: Error) => {
          assert.match(err.message, pattern);
          assert.ok(err.message.includes(file), `${err.message} should name ${file}`);
          return true;
        },
      );
      assert.deepEqual(leftovers(out), []);
    });
  }

  it('--download fetches the tarball from the (injectable) base URL and checks its MD5', async () => {
    const served = fresh();
    writeCifarFolder(served.src, 1, 2);
    const tarball = await writeCifarTarball(served.src);
    const server = createServer((req, res) => {
      if (req.url === '/cifar-10-binary.tar.gz') res.end(readFileSync(tarball));
      else {
        res.statusCode = 404;
        res.end();
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
      const md5 = { 'cifar-10-binary.tar.gz': createHash('md5').update(readFileSync(tarball)).digest('hex') };
      const ok = fresh();
      const res = await prepareCifar10({ out: ok.out, download: true, baseUrl, md5, progress: 'quiet' });
      assert.deepEqual(res.counts, { train: 5, test: 2 });
      const bad = fresh();
      await assert.rejects(
        prepareCifar10({ out: bad.out, download: true, baseUrl, progress: 'quiet' }),
        (err: Error) =>
          err.message.includes('cifar-10-binary.tar.gz') && /checksum mismatch/.test(err.message),
      );
      assert.deepEqual(leftovers(bad.out), []);
      assert.deepEqual(leftovers(join(bad.out, 'raw')), []);
    } finally {
      server.close();
    }
  });
});
