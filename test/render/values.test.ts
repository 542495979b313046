import { describe, expect, it } from 'vitest';
import { formatCell } from '../../engine/render/number-format.ts';
import { digest, duration, flatten, runDate } from '../../engine/render/provenance.ts';
import { lookupMetric } from '../../engine/render/values.ts';

describe('lookupMetric', () => {
  const metrics = { best: { accuracy: 0.9, curve: [0.1, 0.2] }, 'mamba.finalAccuracy': 0.75, 'task.vocabSize': 16, name: 'wasm' };

  it('walks nested objects and arrays, and reads flat dotted keys', () => {
    expect(lookupMetric(metrics, 'best.accuracy')).toEqual({ found: true, value: 0.9 });
    expect(lookupMetric(metrics, 'best.curve.1')).toEqual({ found: true, value: 0.2 });
    expect(lookupMetric(metrics, 'mamba.finalAccuracy')).toEqual({ found: true, value: 0.75 });
    expect(lookupMetric(metrics, 'name')).toEqual({ found: true, value: 'wasm' });
  });

  it('says what is missing', () => {
    expect(lookupMetric(metrics, 'best.loss')).toEqual({ found: false, reason: "no metric 'best.loss'" });
    expect(lookupMetric(metrics, 'lti.finalAccuracy')).toEqual({ found: false, reason: "no metric 'lti.finalAccuracy'" });
    expect(lookupMetric(metrics, 'best')).toEqual({ found: false, reason: "'best' is an object or array, not a value" });
    expect(lookupMetric(metrics, 'name.x')).toEqual({ found: false, reason: "'name' is not an object" });
  });
});

describe('formatCell', () => {
  it('uses the given d3-format specifier, else thousands for integers and four significant digits', () => {
    expect(formatCell(1234.5678, ',.0f')).toBe('1,235');
    expect(formatCell(0.9731, '.1%')).toBe('97.3%');
    expect(formatCell(-2.5, '.2f')).toBe('−2.50');
    expect(formatCell(123456)).toBe('123,456');
    expect(formatCell(0.000123456)).toBe('0.0001235');
    expect(formatCell(12345.678)).toBe('12,350');
    expect(formatCell(null)).toBe('—');
    expect(formatCell(Number.NaN)).toBe('NaN');
    expect(formatCell('text', '.2f')).toBe('text');
  });
});

describe('provenance helpers', () => {
  it('digests params canonically: key order does not matter, values do', () => {
    expect(digest({ a: 1, b: { c: [1, 2] } })).toBe(digest({ b: { c: [1, 2] }, a: 1 }));
    expect(digest({ a: 1 })).not.toBe(digest({ a: 2 }));
    expect(digest({ a: 1 })).toMatch(/^[0-9a-f]{12}$/);
  });

  it('flattens params to sorted dotted names, keeping arrays of plain values whole', () => {
    expect(flatten({ z: 1, a: { y: [1, 2], b: [{ k: true }] } })).toEqual([
      { name: 'a.b.0.k', value: 'true' },
      { name: 'a.y', value: '[1,2]' },
      { name: 'z', value: '1' },
    ]);
  });

  it('writes dates in UTC from the ISO string and durations in readable units', () => {
    expect(runDate('2024-11-29T23:59:59.999+02:00')).toBe('2024-11-29 21:59 UTC');
    expect([850, 12_340, 192_400, 3_725_000].map(duration)).toEqual(['850 ms', '12.3 s', '3 min 12 s', '1 h 02 min']);
  });
});
