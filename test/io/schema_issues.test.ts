// schema_issues: zod issues turned into field problems (dotted path with [i] for array items, unknown keys
// one by one with the known fields, missing fields told apart from wrong ones, the value read from the
// input), and the shared number/enum builders' messages.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { z } from 'zod';
import {
  fieldPath,
  fieldProblems,
  integerIn,
  numberIn,
  oneOf,
  problemSentence,
  strictObject,
  valueAt,
} from '../../src/io/schema_issues.js';

const schema = strictObject({
  n: integerIn(1),
  inner: strictObject({ xs: z.array(numberIn(0, 1)), kind: oneOf(['a', 'b'], "'a' or 'b'") }),
});

function problems(input: unknown) {
  const r = schema.safeParse(input);
  assert.equal(r.success, false);
  return r.success ? [] : fieldProblems(r.error, input);
}

describe('schema issues', () => {
  it('writes paths with dots and [i]', () => {
    assert.equal(fieldPath(['optim', 'groups', 'gate', 'wdScale']), 'optim.groups.gate.wdScale');
    assert.equal(fieldPath(['lr', 'milestones', 1]), 'lr.milestones[1]');
    assert.equal(fieldPath([]), '');
    assert.equal(valueAt({ a: [{ b: 3 }] }, ['a', 0, 'b']), 3);
    assert.equal(valueAt({ a: 1 }, ['a', 'b']), undefined);
    assert.equal(valueAt({}, ['constructor']), undefined, 'own properties only');
  });

  it('names the field, what it must be and the value found', () => {
    const [p] = problems({ n: 1, inner: { xs: [0.5, 2], kind: 'a' } });
    assert.deepEqual(p, { field: 'inner.xs[1]', kind: 'invalid', expected: 'a number in [0, 1]', got: 2 });
    assert.equal(problemSentence(p!), "field 'inner.xs[1]' must be a number in [0, 1]; got 2");
    const [q] = problems({ n: 1.5, inner: { xs: [], kind: 'a' } });
    assert.equal(problemSentence(q!), "field 'n' must be an integer >= 1; got 1.5");
    const [e] = problems({ n: 1, inner: { xs: [], kind: 'c' } });
    assert.equal(problemSentence(e!), `field 'inner.kind' must be 'a' or 'b'; got "c"`);
  });

  it('tells a missing field from a wrong one and lists the known fields for an unknown one', () => {
    const [missing] = problems({ inner: { xs: [], kind: 'a' } });
    assert.equal(problemSentence(missing!), "field 'n' is missing");
    const unknown = problems({ n: 1, inner: { xs: [], kind: 'a', extra: 1, more: 2 } });
    assert.deepEqual(unknown.map(problemSentence), [
      "unknown field 'inner.extra' (known: xs, kind)",
      "unknown field 'inner.more' (known: xs, kind)",
    ]);
    const [notObject] = problems({ n: 1, inner: 3 });
    assert.equal(problemSentence(notObject!), "field 'inner' must be an object; got 3");
  });

  it('rejects non-finite numbers with the same message', () => {
    const [p] = problems({ n: Number.POSITIVE_INFINITY, inner: { xs: [], kind: 'a' } });
    assert.equal(p?.expected, 'an integer >= 1');
  });
});
