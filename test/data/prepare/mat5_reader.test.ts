// MAT v5 reader: checked against files written by SciPy (an independent writer; skipped when Debian's
// python3-scipy is absent) and against the fixture writer, plus the devkit class-table logic on top.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import {
  classTableFromMetaMat,
  valLabelsFromGroundTruth,
} from '../../../src/data/prepare/imagenet_devkit.js';
import { matScalar, matString, readMat5 } from '../../../src/data/prepare/mat5_reader.js';
import { metaMatFor } from '../../fixtures/datasets/imagenet_fixture.js';

const root = mkdtempSync(join(tmpdir(), 'prep-mat-'));
after(() => rmSync(root, { recursive: true, force: true }));

const SPEC = [
  { id: 1, wnid: 'n04000000', words: 'zeta, last in sorted order', num_children: 0, children: [] },
  { id: 2, wnid: 'n01000000', words: 'alpha — ünïcode', num_children: 0, children: [] },
  { id: 3, wnid: 'n02000000', words: 'beta', num_children: 0, children: [] },
  { id: 4, wnid: 'n00001740', words: 'entity', num_children: 3, children: [1, 2, 3] },
];

const scipy = spawnSync('/usr/bin/python3', ['-c', 'import scipy.io'], { encoding: 'utf8' }).status === 0;

describe('readMat5', () => {
  for (const compress of [false, true]) {
    it(`reads a synsets struct written by scipy.io.savemat (compressed: ${compress})`, {
      skip: !scipy && 'no python3-scipy',
    }, () => {
      const spec = join(root, 'spec.json');
      const out = join(root, `meta-${compress}.mat`);
      writeFileSync(spec, JSON.stringify(SPEC));
      const r = spawnSync(
        '/usr/bin/python3',
        ['test/fixtures/datasets/write_meta_mat.py', out, spec, ...(compress ? ['--compress'] : [])],
        { encoding: 'utf8' },
      );
      assert.equal(r.status, 0, r.stderr);
      const synsets = readMat5(readFileSync(out)).synsets;
      assert.ok(synsets, 'no variable synsets');
      assert.equal(synsets.kind, 'struct');
      if (synsets.kind !== 'struct') return;
      assert.deepEqual(synsets.dims, [4, 1]);
      assert.deepEqual(synsets.fields.slice(0, 3), ['ILSVRC2012_ID', 'WNID', 'words']);
      SPEC.forEach((s, i) => {
        const e = synsets.elements[i];
        assert.ok(e, `no element ${i}`);
        assert.equal(matScalar(e.ILSVRC2012_ID, 'id'), s.id);
        assert.equal(matString(e.WNID, 'wnid'), s.wnid);
        assert.equal(matString(e.words, 'words'), s.words);
        assert.equal(matScalar(e.num_children, 'n'), s.num_children);
      });
      const children = synsets.elements[3]?.children;
      assert.ok(children?.kind === 'numeric');
      assert.deepEqual(Array.from(children.data), [1, 2, 3]);
      const table = classTableFromMetaMat(readFileSync(out), out);
      assert.deepEqual(table.wnids, ['n01000000', 'n02000000', 'n04000000']);
      assert.deepEqual(table.names, ['alpha — ünïcode', 'beta', 'zeta, last in sorted order']);
    });
  }

  it('maps ground-truth ILSVRC2012_IDs to sorted-WNID labels (fixture writer)', () => {
    // ID 1 = class 2, ID 2 = class 0, ID 3 = class 1 (sorted order)
    const bytes = metaMatFor(['n01', 'n02', 'n03'], [2, 0, 1]);
    const table = classTableFromMetaMat(bytes, 'meta.mat');
    assert.deepEqual(table.wnids, ['n01', 'n02', 'n03']);
    assert.deepEqual(Array.from(valLabelsFromGroundTruth('1\n2\n3\n1\n', table, 'gt.txt')), [2, 0, 1, 2]);
    assert.throws(
      () => valLabelsFromGroundTruth('1\n7\n', table, 'gt.txt'),
      /gt.txt: line 2: "7" is not an ILSVRC2012_ID/,
    );
  });

  it('rejects truncated and non-MAT input, naming the file', () => {
    const bytes = metaMatFor(['n01', 'n02'], [0, 1]);
    assert.throws(
      () => classTableFromMetaMat(bytes.subarray(0, bytes.length - 30), 'x/meta.mat'),
      /x\/meta.mat: cannot parse meta.mat .*truncated/,
    );
    assert.throws(
      () => classTableFromMetaMat(Buffer.alloc(200, 1), 'y.mat'),
      /y.mat: cannot parse meta.mat .*endian/,
    );
  });

  it('rejects a struct whose field-name length is 0 (it used to loop forever)', () => {
    const bytes = Buffer.from(metaMatFor(['n01', 'n02'], [0, 1]));
    // The field-name length element: miINT32 (5), 4 bytes, value 32.
    const at = bytes.indexOf(Buffer.from([5, 0, 0, 0, 4, 0, 0, 0, 32, 0, 0, 0]));
    assert.ok(at > 0, 'fixture has no field-name length element');
    bytes.writeInt32LE(0, at + 8);
    assert.throws(
      () => readMat5(bytes),
      /struct "synsets": field name length must be a positive integer; got 0/,
    );
  });
});
