import { describe, expect, it } from 'vitest';
import { schedulePattern } from '../../src/scheduler/pattern.js';
import { needsStartupRefresh } from '../../src/scheduler/refresh-loop.js';

describe('schedulePattern', () => {
  it.each([
    [1, '*/1 * * * * *', undefined],
    [15, '*/15 * * * * *', undefined],
    [60, '0 */1 * * * *', undefined],
    [300, '0 */5 * * * *', undefined],
    [1800, '0 */30 * * * *', undefined],
    [3600, '0 0 */1 * * *', undefined],
    [21600, '0 0 */6 * * *', undefined],
    [45, '* * * * * *', 45],
    [420, '* * * * * *', 420],
  ])('every %i s → %s', (seconds, pattern, interval) => {
    expect(schedulePattern(seconds)).toEqual(interval ? { pattern, interval } : { pattern });
  });

  it('rejects intervals that are not positive integers', () => {
    expect(() => schedulePattern(0)).toThrow(RangeError);
    expect(() => schedulePattern(1.5)).toThrow(RangeError);
  });
});

describe('needsStartupRefresh', () => {
  const now = Date.parse('2026-11-25T12:00:00Z');
  it('refreshes an unpopulated or never-refreshed view', () => {
    expect(needsStartupRefresh({ populated: false, last_success_at: new Date(now) }, 300, now)).toBe(true);
    expect(needsStartupRefresh({ populated: true, last_success_at: null }, 300, now)).toBe(true);
  });
  it('refreshes a view older than one interval, not a fresher one', () => {
    expect(needsStartupRefresh({ populated: true, last_success_at: new Date(now - 301_000) }, 300, now)).toBe(true);
    expect(needsStartupRefresh({ populated: true, last_success_at: new Date(now - 299_000) }, 300, now)).toBe(false);
  });
});
