import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import {
  decodeSafetensors,
  encodeSafetensors,
  fromHostTensor,
  fromHostTensors,
  type HostTensor,
  hostTensor,
  parseSafetensorsHeader,
  SAFETENSORS_DTYPE_SIZE,
  SafetensorsError,
  toHostTensors,
} from '../../src/models/safetensors.js';
import { TEST_BACKENDS, useBackend } from '../helpers/backends.js';

const FIXTURES = new URL('../fixtures/safetensors/', import.meta.url);
const PYTHON = '/usr/bin/python3';

/** A file from a header (object or raw JSON text) and a data section, laid out as the format says. */
function makeFile(header: unknown, data: Uint8Array = new Uint8Array(0), lengthField?: bigint): Uint8Array {
  const json = new TextEncoder().encode(typeof header === 'string' ? header : JSON.stringify(header));
  const out = new Uint8Array(8 + json.byteLength + data.byteLength);
  new DataView(out.buffer).setBigUint64(0, lengthField ?? BigInt(json.byteLength), true);
  out.set(json, 8);
  out.set(data, 8 + json.byteLength);
  return out;
}

/** Asserts a SafetensorsError whose message names the source and matches every pattern. */
function assertRejects(bytes: Uint8Array, patterns: RegExp[], where: { tensor?: string } = {}): void {
  assert.throws(
    () => decodeSafetensors(bytes, 'bad.safetensors'),
    (err: unknown) => {
      assert.ok(err instanceof SafetensorsError, `expected SafetensorsError, got ${String(err)}`);
      assert.equal(err.source, 'bad.safetensors');
      assert.match(err.message, /bad\.safetensors/);
      if (where.tensor !== undefined) {
        assert.equal(err.tensor, where.tensor);
        assert.ok(err.message.includes(JSON.stringify(where.tensor)), err.message);
      }
      for (const p of patterns) assert.match(err.message, p);
      return true;
    },
  );
}

function f32(values: number[]): Uint8Array {
  return new Uint8Array(new Float32Array(values).buffer);
}

function pythonHasNumpy(): boolean {
  const r = spawnSync(PYTHON, ['-c', 'import numpy'], { encoding: 'utf8' });
  return r.status === 0;
}

describe('safetensors format (byte level)', () => {
  before(async () => {
    await useBackend('cpu');
  });

  it('matches the reference implementation byte for byte', () => {
    // Expected bytes copied from huggingface/safetensors safetensors/src/tensor.rs tests
    // (test_serialization_forced_alignement, test_empty): an external oracle for layout and padding.
    const attn0 = encodeSafetensors({
      attn0: hostTensor(new Float32Array([0, 1, 2, 3, 4, 5]), [1, 1, 2, 3]),
    });
    assert.deepEqual(
      [...attn0],
      [
        72, 0, 0, 0, 0, 0, 0, 0, 123, 34, 97, 116, 116, 110, 48, 34, 58, 123, 34, 100, 116, 121, 112, 101, 34,
        58, 34, 70, 51, 50, 34, 44, 34, 115, 104, 97, 112, 101, 34, 58, 91, 49, 44, 49, 44, 50, 44, 51, 93,
        44, 34, 100, 97, 116, 97, 95, 111, 102, 102, 115, 101, 116, 115, 34, 58, 91, 48, 44, 50, 52, 93, 125,
        125, 32, 32, 32, 32, 32, 32, 32, 0, 0, 0, 0, 0, 0, 128, 63, 0, 0, 0, 64, 0, 0, 64, 64, 0, 0, 128, 64,
        0, 0, 160, 64,
      ],
    );
    assert.deepEqual([...encodeSafetensors({})], [8, 0, 0, 0, 0, 0, 0, 0, 123, 125, 32, 32, 32, 32, 32, 32]);
    assert.deepEqual(
      [...encodeSafetensors({}, { framework: 'pt' })],
      [
        40, 0, 0, 0, 0, 0, 0, 0, 123, 34, 95, 95, 109, 101, 116, 97, 100, 97, 116, 97, 95, 95, 34, 58, 123,
        34, 102, 114, 97, 109, 101, 119, 111, 114, 107, 34, 58, 34, 112, 116, 34, 125, 125, 32, 32, 32, 32,
        32,
      ],
    );
  });

  it('pads the header to a multiple of 8 and aligns every tensor to its element size', () => {
    for (const name of ['a', 'ab', 'abc', 'abcd', 'abcde', 'abcdef', 'abcdefg', 'abcdefgh']) {
      const bytes = encodeSafetensors({
        [name]: hostTensor(new Uint8Array([1, 2, 3]), [3]),
        [`${name}.w`]: hostTensor(new Float32Array([1, 2]), [2]),
        [`${name}.i`]: hostTensor(new Int32Array([5]), [1]),
      });
      const header = parseSafetensorsHeader(bytes, bytes.byteLength);
      assert.equal(header.headerLength % 8, 0);
      for (const e of header.entries) {
        assert.equal((header.dataStart + e.dataOffsets[0]) % SAFETENSORS_DTYPE_SIZE[e.dtype], 0, e.name);
      }
      // Larger elements first, so the U8 tensor comes last.
      assert.equal(header.entries.at(-1)!.name, name);
    }
  });

  it('reads the Python-made fixture: every dtype, metadata, and a byte-identical re-encode', async () => {
    const bytes = readFileSync(new URL('python_made.safetensors', FIXTURES));
    const expected = JSON.parse(readFileSync(new URL('python_made.json', FIXTURES), 'utf8')) as {
      metadata: Record<string, string>;
      tensors: Record<string, { dtype: string; shape: number[]; values: number[] }>;
      bytes: number;
    };
    assert.equal(bytes.byteLength, expected.bytes);
    const { tensors, metadata } = decodeSafetensors(bytes, 'python_made.safetensors');
    assert.deepEqual(metadata, expected.metadata);
    assert.deepEqual(Object.keys(tensors).sort(), Object.keys(expected.tensors).sort());
    const before = tf.memory().numTensors;
    const made = fromHostTensors(tensors, 'python_made.safetensors');
    for (const [name, want] of Object.entries(expected.tensors)) {
      const t = made[name]!;
      assert.equal(tensors[name]!.dtype, want.dtype, name);
      assert.deepEqual(t.shape, want.shape, name);
      const tfDtype = ['F32', 'F16', 'BF16', 'F64'].includes(want.dtype)
        ? 'float32'
        : want.dtype === 'BOOL'
          ? 'bool'
          : 'int32';
      assert.equal(t.dtype, tfDtype, name);
      assert.deepEqual(Array.from(await t.data()), want.values, name);
    }
    tf.dispose(Object.values(made));
    assert.equal(tf.memory().numTensors, before);
    // The Python writer orders tensors like the reference; ours must produce the same bytes.
    const reencoded = Buffer.from(encodeSafetensors(tensors, metadata));
    assert.ok(reencoded.equals(bytes), 're-encoding the fixture must reproduce its bytes');
  });
});

describe('safetensors decoding rejects malformed files', () => {
  before(async () => {
    await useBackend('cpu');
  });
  const good = encodeSafetensors({
    'layer.w': hostTensor(new Float32Array([1, 2, 3, 4]), [2, 2]),
    'layer.b': hostTensor(new Float32Array([5, 6]), [2]),
  });

  it('rejects a file shorter than the 8-byte length field', () => {
    assertRejects(new Uint8Array(5), [/5 bytes/, /at least 8/]);
  });

  it('rejects every truncation of a valid file', () => {
    for (let cut = 0; cut < good.byteLength; cut++) {
      assert.throws(() => decodeSafetensors(good.subarray(0, cut), 'cut.safetensors'), SafetensorsError);
    }
    assert.doesNotThrow(() => decodeSafetensors(good));
  });

  it('answers every single-byte corruption with a clean decode or a SafetensorsError, nothing else', () => {
    let rejected = 0;
    for (let pos = 0; pos < good.byteLength; pos++) {
      for (const value of [0x00, 0x22, 0x5d, 0x7b, 0xff]) {
        if (good[pos] === value) continue;
        const bytes = new Uint8Array(good);
        bytes[pos] = value;
        try {
          decodeSafetensors(bytes);
        } catch (err) {
          assert.ok(err instanceof SafetensorsError, `byte ${pos} = ${value}: ${String(err)}`);
          rejected++;
        }
      }
    }
    assert.ok(rejected > good.byteLength, `only ${rejected} corruptions rejected`);
  });

  it('rejects a header length beyond the file', () => {
    const bytes = new Uint8Array(good);
    new DataView(bytes.buffer).setBigUint64(0, BigInt(bytes.byteLength), true);
    assertRejects(bytes, [/byte offset 0/, new RegExp(`only ${bytes.byteLength} bytes`)]);
  });

  it('rejects a header length above the 100 MB limit without parsing', () => {
    assertRejects(makeFile('{}', new Uint8Array(0), 2n ** 63n), [/at most 100000000/]);
  });

  it('rejects a header that is not JSON, not UTF-8, or not an object', () => {
    assertRejects(makeFile('{"a": {"dtype": "F32",'), [/not valid JSON/, /byte offset 8/]);
    const latin1 = makeFile('{"x":1}');
    latin1[10] = 0xff;
    assertRejects(latin1, [/not valid UTF-8/]);
    assertRejects(makeFile('[1, 2, 3]'), [/start with '\{'/]);
    assertRejects(makeFile('{"__metadata__": {"epoch": 3}}'), [/__metadata__\["epoch"\] must be a string/]);
  });

  it('rejects a tensor named twice, however its key is spelled', () => {
    const entry = '{"dtype":"F32","shape":[1],"data_offsets":[0,4]}';
    // Identical entries would pass every offset check: only the key scan catches them.
    assertRejects(makeFile(`{"ab":${entry},"a\\u0062":${entry}}`, f32([1])), [/names this tensor twice/], {
      tensor: 'ab',
    });
    // Keys and metadata holding quotes, braces and the same names at depth 2 are not duplicates.
    const tricky = encodeSafetensors(
      {
        'x"}{': hostTensor(new Float32Array([1]), [1]),
        'y\\': hostTensor(new Float32Array([2]), [1]),
      },
      { 'x"}{': 'y\\', dtype: '{"a":1,"a":2}' },
    );
    assert.deepEqual(Object.keys(decodeSafetensors(tricky).tensors).sort(), ['x"}{', 'y\\']);
  });

  it('rejects an unknown dtype, naming the tensor', () => {
    const h = { w: { dtype: 'F17', shape: [1], data_offsets: [0, 4] } };
    assertRejects(makeFile(h, f32([1])), [/unknown dtype "F17"/, /expected one of BOOL/], { tensor: 'w' });
  });

  it('rejects offsets past the end, overlaps, gaps and trailing bytes', () => {
    const data = f32([1, 2, 3]);
    const past = { a: { dtype: 'F32', shape: [4], data_offsets: [0, 16] } };
    assertRejects(makeFile(past, data), [/past the end of the data section \(12 bytes/], { tensor: 'a' });
    const overlap = {
      a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] },
      b: { dtype: 'F32', shape: [2], data_offsets: [4, 12] },
    };
    assertRejects(makeFile(overlap, data), [/overlap tensor "a", which ends at 8/], { tensor: 'b' });
    const gap = {
      a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] },
      b: { dtype: 'F32', shape: [1], data_offsets: [8, 12] },
    };
    assertRejects(makeFile(gap, data), [/bytes \[4, 8\) belong to no tensor/], { tensor: 'b' });
    const trailing = { a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } };
    assertRejects(makeFile(trailing, data), [/has 12 bytes but tensors cover only 8/]);
    const reversed = { a: { dtype: 'F32', shape: [0], data_offsets: [8, 4] } };
    assertRejects(makeFile(reversed, data), [/0 <= begin <= end; got \[8,4\]/], { tensor: 'a' });
  });

  it('rejects a byte length that is not prod(shape) * element size', () => {
    const h = { w: { dtype: 'F32', shape: [2, 2], data_offsets: [0, 12] } };
    const bytes = makeFile(h, f32([1, 2, 3]));
    assertRejects(bytes, [/span 12 bytes; F32 shape \[2,2\] needs 16/], { tensor: 'w' });
    const err = (() => {
      try {
        decodeSafetensors(bytes, 'bad.safetensors');
      } catch (e) {
        return e as SafetensorsError;
      }
      throw new Error('no error');
    })();
    // The data section starts right after the (unpadded) header.
    assert.equal(err.byteOffset, bytes.byteLength - 12);
  });

  it('refuses values tfjs cannot hold exactly: I64 beyond int32, BOOL bytes other than 0/1', () => {
    const big: HostTensor = {
      dtype: 'I64',
      shape: [2],
      data: new Uint8Array(new BigInt64Array([1n, 2n ** 40n]).buffer),
    };
    assert.throws(
      () => fromHostTensor(big, 'steps', 'f.safetensors'),
      /f\.safetensors, tensor "steps".*element 1 is 1099511627776/,
    );
    const bool: HostTensor = { dtype: 'BOOL', shape: [2], data: new Uint8Array([1, 2]) };
    assert.throws(() => fromHostTensor(bool, 'mask'), /element 1 is byte 2; expected 0 or 1/);
    const before = tf.memory().numTensors;
    assert.throws(() => fromHostTensors({ ok: hostTensor(new Float32Array([1]), [1]), bad: bool }));
    assert.equal(tf.memory().numTensors, before, 'fromHostTensors must dispose what it made before failing');
  });

  it('refuses to encode bad inputs', () => {
    assert.throws(
      () =>
        encodeSafetensors(
          { w: { dtype: 'F32', shape: [3], data: new Uint8Array(8) } },
          {},
          'out.safetensors',
        ),
      /out\.safetensors, tensor "w": F32 shape \[3\] needs 12 bytes; data has 8/,
    );
    assert.throws(() => encodeSafetensors({ __metadata__: hostTensor(new Uint8Array(1), [1]) }), /reserved/);
    assert.throws(
      () => encodeSafetensors({}, { epoch: 3 as unknown as string }),
      /__metadata__\["epoch"\] must be a string/,
    );
  });
});

for (const backend of TEST_BACKENDS) {
  describe(`safetensors <-> tfjs on ${backend}`, () => {
    before(async () => {
      await useBackend(backend);
    });

    it('round-trips float32 (incl. NaN, +-Inf, -0, subnormals), int32, bool and uint8 exactly', async () => {
      const floats = [
        0,
        -0,
        1.5,
        -3.25e-3,
        Number.NaN,
        Number.POSITIVE_INFINITY,
        Number.NEGATIVE_INFINITY,
        1e-45,
        3.4e38,
      ];
      const ints = [-2147483648, -1, 0, 1, 2147483647, 12345];
      const before = tf.memory().numTensors;
      const src = {
        'f.weight': tf.tensor(floats, [3, 3], 'float32'),
        'i.index': tf.tensor(ints, [2, 1, 3], 'int32'),
        'b.mask': tf.tensor([true, false, false, true], [4], 'bool'),
        scalar: tf.scalar(7.5),
        empty: tf.zeros([0, 4]),
      };
      const host = await toHostTensors({
        ...src,
        'u.pixels': hostTensor(new Uint8Array([0, 255, 128]), [3]),
      });
      const bytes = encodeSafetensors(host, { note: 'round trip' });
      const decoded = decodeSafetensors(bytes);
      assert.deepEqual(decoded.metadata, { note: 'round trip' });
      assert.equal(decoded.tensors['u.pixels']!.dtype, 'U8');
      const back = fromHostTensors(decoded.tensors);
      for (const [name, t] of Object.entries(src)) {
        assert.equal(back[name]!.dtype, t.dtype, name);
        assert.deepEqual(back[name]!.shape, t.shape, name);
        assert.deepEqual(Array.from(await back[name]!.data()), Array.from(await t.data()), name);
      }
      assert.ok(Object.is((await back['f.weight']!.data())[1], -0));
      assert.equal(back['u.pixels']!.dtype, 'int32');
      assert.deepEqual(Array.from(await back['u.pixels']!.data()), [0, 255, 128]);
      tf.dispose([...Object.values(src), ...Object.values(back)]);
      assert.equal(tf.memory().numTensors, before);
    });
  });
}

describe('safetensors written here, read by Python', () => {
  let dir = '';
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'st-py-'));
  });
  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('the committed fixture is what make_fixture.py writes', (t) => {
    if (!pythonHasNumpy()) {
      t.skip(`${PYTHON} with NumPy is not available`);
      return;
    }
    const r = spawnSync(PYTHON, [new URL('make_fixture.py', FIXTURES).pathname, dir], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    for (const file of ['python_made.safetensors', 'python_made.json']) {
      assert.ok(
        readFileSync(join(dir, file)).equals(readFileSync(new URL(file, FIXTURES))),
        `${file} is stale`,
      );
    }
  });

  it('reads back every tensor with the independent Python reader (PyTorch when importable)', async (t) => {
    if (!pythonHasNumpy()) {
      t.skip(`${PYTHON} with NumPy is not available`);
      return;
    }
    await useBackend('cpu');
    const src = {
      'conv1.weight': tf.tensor4d([0.1, -2, 3e-8, 65504.5, -0, 1], [1, 2, 3, 1]),
      'bn1.count': tf.tensor1d([3, -7], 'int32'),
      'gate.mask': tf.tensor1d([true, false, true], 'bool'),
      'ünïcode.名前': tf.scalar(2.5),
      '0': tf.tensor1d([1, 2, 3, 4, 5], 'int32'),
    };
    const host = await toHostTensors({ ...src, pixels: hostTensor(new Uint8Array([9, 200]), [2]) });
    const file = join(dir, 'ours.safetensors');
    writeFileSync(file, encodeSafetensors(host, { format: 'tfjs', config: '{"depth":18}' }));
    const r = spawnSync(PYTHON, [new URL('read_safetensors.py', FIXTURES).pathname, file], {
      encoding: 'utf8',
    });
    assert.equal(r.status, 0, r.stderr);
    const py = JSON.parse(r.stdout) as {
      reader: string;
      metadata: Record<string, string>;
      tensors: Record<string, { dtype: string; shape: number[]; values: number[]; torch_dtype?: string }>;
      layout: Record<string, number>;
    };
    t.diagnostic(`python reader: ${py.reader}`);
    assert.deepEqual(py.metadata, { format: 'tfjs', config: '{"depth":18}' });
    assert.deepEqual(Object.keys(py.tensors).sort(), [...Object.keys(src), 'pixels'].sort());
    for (const [name, tensor] of Object.entries(src)) {
      const want = ({ float32: 'F32', int32: 'I32', bool: 'BOOL' } as const)[
        tensor.dtype as 'float32' | 'int32' | 'bool'
      ];
      assert.equal(py.tensors[name]!.dtype, want, name);
      assert.deepEqual(py.tensors[name]!.shape, tensor.shape, name);
      const values = Array.from(await tensor.data(), Number);
      assert.deepEqual(py.tensors[name]!.values, values, name);
      assert.equal(py.layout[name]! % SAFETENSORS_DTYPE_SIZE[want], 0, `${name} is aligned`);
    }
    assert.equal(py.tensors.pixels!.dtype, 'U8');
    assert.deepEqual(py.tensors.pixels!.values, [9, 200]);
    if (py.reader.startsWith('torch')) {
      assert.equal(py.tensors['conv1.weight']!.torch_dtype, 'torch.float32');
      assert.equal(py.tensors.pixels!.torch_dtype, 'torch.uint8');
      assert.equal(py.tensors['gate.mask']!.torch_dtype, 'torch.bool');
    }
    tf.dispose(Object.values(src));
  });
});
