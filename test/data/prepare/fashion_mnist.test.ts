import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { FASHION_MNIST_CLASSES, prepareFashionMnist } from '../../../src/data/prepare/fashion_mnist.js';
import {
  fashionLabel,
  fashionPixel,
  idxBytes,
  writeFashionMnistFixture,
} from '../../fixtures/datasets/idx_fixture.js';
import { freshDirs } from './fresh_dirs.js';
import { leftovers, readMetaJson, readSplit } from './shard_readback.js';

const fresh = freshDirs('prep-fmnist-');

function checkSplit(out: string, split: string, count: number): void {
  const rows = readSplit(out, split);
  assert.equal(rows.ids.length, count);
  for (let i = 0; i < count; i++) {
    assert.equal(rows.ids[i], `${split}-${String(i).padStart(5, '0')}`);
    assert.equal(rows.labels[i], fashionLabel(i));
    const img = rows.images[i]!; // [28, 28, 1]
    assert.equal(img.length, 784);
    for (const [y, x] of [
      [0, 0],
      [0, 27],
      [27, 0],
      [13, 5],
    ] as const) {
      assert.equal(img[y * 28 + x], fashionPixel(split, i, y, x), `${split}[${i}] pixel (${y}, ${x})`);
    }
  }
}

describe('prepareFashionMnist', () => {
  it('converts gzipped IDX files into train/test shards with labels, ids and meta.json', async () => {
    const { src, out } = fresh();
    writeFashionMnistFixture(src, 7, 3, true);
    const res = await prepareFashionMnist({ source: src, out, shardSize: 3, progress: 'quiet' });
    assert.deepEqual(res.counts, { train: 7, test: 3 });
    checkSplit(out, 'train', 7);
    checkSplit(out, 'test', 3);
    assert.deepEqual(readSplit(out, 'train').shardFiles, [
      'train-00000.arrow',
      'train-00001.arrow',
      'train-00002.arrow',
    ]);
    const meta = readMetaJson(out);
    assert.deepEqual(meta.classes, FASHION_MNIST_CLASSES);
    assert.deepEqual(meta.imageShape, [28, 28, 1]);
    assert.deepEqual(
      meta.splits.train?.shards.map((s) => s.count),
      [3, 3, 1],
    );
    // mean over every train pixel, recomputed from the fixture formula
    let sum = 0;
    for (let i = 0; i < 7; i++)
      for (let y = 0; y < 28; y++) for (let x = 0; x < 28; x++) sum += fashionPixel('train', i, y, x);
    assert.ok(Math.abs((meta.mean as number[])[0]! - sum / (7 * 784) / 255) < 1e-9);
    const sha = createHash('sha256')
      .update(readFileSync(join(src, 'train-images-idx3-ubyte.gz')))
      .digest('hex');
    assert.ok((meta.sources as { name: string; sha256: string }[]).some((s) => s.sha256 === sha));
  });

  it('reads uncompressed IDX files and resumes, reusing complete shards', async () => {
    const { src, out } = fresh();
    writeFashionMnistFixture(src, 7, 3, false);
    await prepareFashionMnist({ source: src, out, shardSize: 3, progress: 'quiet' });
    const first = readFileSync(join(out, 'train-00001.arrow'));
    rmSync(join(out, 'train-00000.arrow'));
    const res = await prepareFashionMnist({ source: src, out, shardSize: 3, progress: 'quiet' });
    assert.deepEqual(res.reused.train, [1]); // shard 0 rebuilt, shard 2 (short) always rewritten
    assert.deepEqual(readFileSync(join(out, 'train-00001.arrow')), first);
    checkSplit(out, 'train', 7);
  });

  const badCases: [string, (src: string) => string, RegExp][] = [
    [
      'missing folder',
      (src) => {
        rmSync(src, { recursive: true });
        return src;
      },
      /not found/,
    ],
    [
      'missing file',
      (src) => {
        rmSync(join(src, 'train-labels-idx1-ubyte.gz'));
        return join(src, 'train-labels-idx1-ubyte');
      },
      /missing/,
    ],
    [
      'truncated gzip',
      (src) => {
        const p = join(src, 'train-images-idx3-ubyte.gz');
        const b = readFileSync(p);
        writeFileSync(p, b.subarray(0, b.length - 40));
        return p;
      },
      /truncated or corrupt gzip/,
    ],
    [
      'truncated IDX data',
      (src) => {
        const p = join(src, 't10k-images-idx3-ubyte.gz');
        const b = idxBytes([3, 28, 28], new Uint8Array(3 * 784));
        writeFileSync(p, gzipSync(b.subarray(0, b.length - 100)));
        return p;
      },
      /does not match dims/,
    ],
    [
      'label count mismatch',
      (src) => {
        const p = join(src, 'train-labels-idx1-ubyte.gz');
        writeFileSync(p, gzipSync(idxBytes([6], new Uint8Array(6))));
        return p;
      },
      /expected 7 labels/,
    ],
  ];
  for (const [name, corrupt, pattern] of badCases) {
    it(`stops on ${name}, naming the file, with no shard or temp file left`, async () => {
      const { src, out } = fresh();
      writeFashionMnistFixture(src, 7, 3, true);
      const file = corrupt(src);
      await assert.rejects(
        prepareFashionMnist({ source: src, out, shardSize: 100, progress: 'quiet' }),
        (err: Error) => {
          assert.match(err.message, pattern);
          assert.ok(err.message.includes(file), `${err.message} should name ${file}`);
          return true;
        },
      );
      assert.deepEqual(leftovers(out), []);
    });
  }

  it('checks MD5s when given and reports a mismatch naming the file', async () => {
    const { src, out } = fresh();
    writeFashionMnistFixture(src, 2, 2, true);
    const p = join(src, 'train-images-idx3-ubyte.gz');
    const md5 = { 'train-images-idx3-ubyte.gz': '0'.repeat(32) };
    await assert.rejects(
      prepareFashionMnist({ source: src, out, md5, progress: 'quiet' }),
      (err: Error) => err.message.includes(p) && /checksum mismatch/.test(err.message),
    );
    assert.deepEqual(leftovers(out), []);
  });

  it('downloads the four files, verifying MD5s, and rejects a corrupt download', async () => {
    const served = fresh();
    writeFashionMnistFixture(served.src, 4, 2, true);
    const server = createServer((req, res) => {
      try {
        res.end(readFileSync(join(served.src, req.url!.slice(1))));
      } catch {
        res.statusCode = 404;
        res.end();
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
      const md5: Record<string, string> = {};
      for (const f of [
        'train-images-idx3-ubyte.gz',
        'train-labels-idx1-ubyte.gz',
        't10k-images-idx3-ubyte.gz',
        't10k-labels-idx1-ubyte.gz',
      ]) {
        md5[f] = createHash('md5')
          .update(readFileSync(join(served.src, f)))
          .digest('hex');
      }
      const ok = fresh();
      const res = await prepareFashionMnist({ out: ok.out, download: true, baseUrl, md5, progress: 'quiet' });
      assert.deepEqual(res.counts, { train: 4, test: 2 });
      checkSplit(ok.out, 'test', 2);

      const bad = fresh();
      truncateSync(join(served.src, 't10k-images-idx3-ubyte.gz'), 50);
      await assert.rejects(
        prepareFashionMnist({ out: bad.out, download: true, baseUrl, md5, progress: 'quiet' }),
        (err: Error) =>
          /checksum mismatch/.test(err.message) && err.message.includes('t10k-images-idx3-ubyte.gz'),
      );
      assert.deepEqual(leftovers(bad.out), []);
      assert.deepEqual(leftovers(join(bad.out, 'raw')), []); // no .part left behind
    } finally {
      server.close();
    }
  });
});
