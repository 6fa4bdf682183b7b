import { describe, expect, it } from 'vitest';
import { boundedMemo } from '../../../src/sidebar/bounded-memo.js';

describe('boundedMemo', () => {
  it('computes a key once, and forgets everything when full', () => {
    const computed: string[] = [];
    const memo = boundedMemo(2, (key: string) => {
      computed.push(key);
      return key.length;
    });
    expect([memo('a'), memo('bb'), memo('a'), memo('bb')]).toEqual([1, 2, 1, 2]);
    expect(computed).toEqual(['a', 'bb']);
    expect(memo('ccc')).toBe(3); // full: a and bb forgotten
    expect(memo('ccc')).toBe(3);
    expect(memo('a')).toBe(1);
    expect(computed).toEqual(['a', 'bb', 'ccc', 'a']);
  });

  it('remembers undefined and null results too', () => {
    let calls = 0;
    const memo = boundedMemo(4, (_key: string) => {
      calls++;
      return null;
    });
    memo('x');
    memo('x');
    expect(calls).toBe(1);
  });

  it('keys by every argument', () => {
    const memo = boundedMemo(8, (zone: string, at: number) => `${zone}@${at}`);
    expect([memo('UTC', 1), memo('UTC', 2), memo('Etc/GMT+5', 1)]).toEqual(['UTC@1', 'UTC@2', 'Etc/GMT+5@1']);
  });
});
