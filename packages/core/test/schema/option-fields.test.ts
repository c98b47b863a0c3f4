// The generic reader every option table goes through: what it reports first, and the data on
// fields (allowed text, appliesTo, required, own sentences) that readers word their sentence from.
import * as z from 'zod/mini';
import { describe, expect, it } from 'vitest';
import { checkedBy, field, fieldsFor, firstProblem, intIn, isOff, metaOf, numberIn, oneOf, withCheck } from '../../src/schema/option-fields.js';

const table = {
  size: intIn(1, 10),
  kind: field(oneOf(['a', 'b'], "one of 'a', 'b'"), { allowed: "one of 'a', 'b'", appliesTo: ['gan'] }),
  rate: numberIn(0, 1, 'a number in (0, 1]', true),
  name: withCheck(field(z.string(), { allowed: 'a name' }), (v) => v.length < 4, (v) => `name '${v}' is too long.`),
  port: checkedBy((v) => {
    if (v !== 80) throw new Error('only port 80.');
    return 'eighty';
  }, 'port 80'),
};

describe('firstProblem', () => {
  it('returns the parsed values, absent options staying absent', () => {
    expect(firstProblem(table, { size: 3, rate: 1, port: 80 })).toEqual({ ok: true, values: { size: 3, rate: 1, port: 'eighty' } });
  });

  it('reports a non-object, then unknown keys, then the first bad value in table order', () => {
    expect(firstProblem(table, [1])).toEqual({ ok: false, problem: { kind: 'not-object', value: [1] } });
    expect(firstProblem(table, { rate: 5, sise: 1 })).toEqual({ ok: false, problem: { kind: 'unknown-key', key: 'sise' } });
    const bad = firstProblem(table, { rate: 0, size: 11 });
    expect(bad).toEqual({ ok: false, problem: { kind: 'bad-value', key: 'size', value: 11, allowed: 'an integer in [1, 10]', sentence: undefined, wrongType: false } });
    expect(firstProblem(table, { rate: 0 })).toMatchObject({ problem: { key: 'rate', allowed: 'a number in (0, 1]' } });
    expect(firstProblem(table, { size: '3' })).toMatchObject({ problem: { key: 'size', value: '3', wrongType: true } });
  });

  it("carries a field's own sentence (a check's, or the message a checking function threw)", () => {
    expect(firstProblem(table, { name: 'long' })).toMatchObject({ problem: { key: 'name', sentence: "name 'long' is too long." } });
    expect(firstProblem(table, { port: 81 })).toMatchObject({ problem: { key: 'port', sentence: 'only port 80.' } });
  });

  it('limits keys to a subset, or passes unknown keys over', () => {
    expect(firstProblem(table, { kind: 'a' }, fieldsFor(table, 'vae'))).toEqual({ ok: false, problem: { kind: 'unknown-key', key: 'kind' } });
    expect(fieldsFor(table, 'gan')).toEqual(['size', 'kind', 'rate', 'name', 'port']);
    expect(firstProblem(table, { other: 1, size: 2 }, 'ignore-unknown')).toEqual({ ok: true, values: { size: 2 } });
  });

  it('reports a missing required field with its sentence', () => {
    const needs = { id: field(intIn(0, 9), { allowed: 'an id', required: "option 'id' is required." }) };
    expect(firstProblem(needs, {})).toMatchObject({ problem: { key: 'id', sentence: "option 'id' is required." } });
    expect(firstProblem(needs, { id: 'x' })).toMatchObject({ problem: { key: 'id', allowed: 'an id', sentence: undefined } });
  });

  it('keeps field data through checks added later, and knows off values', () => {
    expect(metaOf(table.name).allowed).toBe('a name');
    expect(isOff({ allowed: '', off: 0 }, 0)).toBe(true);
    expect(isOff({ allowed: '', off: [] }, [])).toBe(true);
    expect(isOff({ allowed: '', off: [] }, ['a'])).toBe(false);
    expect(isOff({ allowed: '' }, 0)).toBe(false);
  });
});
