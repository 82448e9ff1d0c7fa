/** The raw-body rewrite that keeps int8 cells above 2^53 exact (the SDK's JSON.parse would round them). */

import { describe, expect, it } from 'vitest';
import { rewriteLargeLongValues } from './exact-longs';

describe('rewriteLargeLongValues', () => {
  it('turns unsafe longValue cells into digit strings, both signs', () => {
    const body = '{"Records":[[{"longValue":9007199254740993},{"longValue" : -9223372036854775808}]]}';
    expect(rewriteLargeLongValues(body)).toBe(
      '{"Records":[[{"stringValue":"9007199254740993"},{"stringValue":"-9223372036854775808"}]]}',
    );
    expect(JSON.parse(rewriteLargeLongValues(body)).Records[0][0].stringValue).toBe('9007199254740993');
  });

  it('leaves values a double holds exactly, and other fields, alone', () => {
    const body =
      '[{"longValue":9007199254740991},{"longValue":-9007199254740991},{"longValue":1234567890123456},{"doubleValue":12345678901234567890},{"longValue":42}]';
    expect(rewriteLargeLongValues(body)).toBe(body);
  });

  it('does not touch the same text inside a string value (escaped quotes)', () => {
    const body = JSON.stringify([{ stringValue: '{"longValue":9007199254740993}' }]);
    expect(rewriteLargeLongValues(body)).toBe(body);
  });
});
