import { describe, expect, it } from 'vitest';
import { resolveVariant, variantKey, variantOf } from '../../../../src/sidebar/variants/query.js';
import { canonicalTimeZone, isTimeZone, todayZone, windowEnd } from '../../../../src/sidebar/variants/windows.js';
import { at, basis, dayAhead, ref } from './basis.js';

describe('time zones and window ends', () => {
  it('accepts IANA names whatever their case, by their canonical name; refuses anything else', () => {
    expect(canonicalTimeZone('europe/london')).toBe('Europe/London');
    expect(canonicalTimeZone('UTC')).toBe('UTC');
    expect(isTimeZone('Asia/Kathmandu')).toBe(true);
    expect(isTimeZone('America/Argentina/Buenos_Aires')).toBe(true);
    for (const bad of ['Mars/Olympus', '+05:30', '../etc/passwd', 'Europe/', ' UTC', '', 'Europe//London']) expect(isTimeZone(bad)).toBe(false);
  });

  it('a variant in canonical form: tz only for today, UTC by default, by its canonical name', () => {
    expect(variantOf({})).toEqual({ window: 'all' });
    expect(variantOf({ window: 'live', tz: 'Europe/London' })).toEqual({ window: 'live' });
    expect(variantOf({ window: 'today' })).toEqual({ window: 'today', tz: 'UTC' });
    expect(variantOf({ window: 'today', tz: 'europe/london' })).toEqual({ window: 'today', tz: 'Europe/London' });
    expect(variantKey(variantOf({ window: 'today', tz: 'asia/tokyo' }))).toBe('window=today&tz=Asia/Tokyo');
    // The schema lets only zones through: anything else is a bug, not a silent UTC.
    expect(() => variantOf({ window: 'today', tz: 'Mars/Olympus' })).toThrow(new RangeError('not a time zone: Mars/Olympus'));
  });

  it('the end of a day that DST shortens, lengthens, or starts at 01:00', () => {
    const end = (iso: string, tz: string) => new Date((windowEnd({ window: 'today', tz }, at(iso)) as number) * 1000).toISOString();
    expect(end('2026-03-29T00:30:00Z', 'Europe/London')).toBe('2026-03-29T23:00:00.000Z'); // 23 hours
    expect(end('2026-10-25T00:30:00Z', 'Europe/London')).toBe('2026-10-26T00:00:00.000Z'); // 25 hours
    // Chile moves 6 September's midnight to 01:00: the 5th ends then.
    expect(end('2026-09-05T12:00:00Z', 'America/Santiago')).toBe('2026-09-06T04:00:00.000Z');
    expect(windowEnd({ window: 'next_24h' }, ref)).toBe(dayAhead);
    expect(windowEnd({ window: 'live' }, ref)).toBe(Number.NEGATIVE_INFINITY); // before any game not yet live
  });

  const winter = '2026-12-07T12:00:00Z';
  const summer = '2026-07-01T12:00:00Z';
  // 29 March 2026, 00:30 UTC: London is at UTC+0 but springs forward at 01:00, so its day ends an hour before UTC's.
  const springForward = '2026-03-29T00:30:00Z';
  it.each([
    ['America/New_York', winter, 'Etc/GMT+5'],
    ['America/Toronto', winter, 'Etc/GMT+5'],
    ['America/Bogota', winter, 'Etc/GMT+5'],
    ['America/New_York', summer, 'Etc/GMT+4'],
    ['Europe/London', winter, 'UTC'],
    ['Europe/London', summer, 'Etc/GMT-1'],
    ['Pacific/Kiritimati', winter, 'Etc/GMT-14'],
    ['Etc/GMT+5', winter, 'Etc/GMT+5'],
    ['UTC', winter, 'UTC'],
    // Fractional offsets stand for themselves.
    ['Asia/Kathmandu', winter, 'Asia/Kathmandu'],
    ['Asia/Kolkata', winter, 'Asia/Kolkata'],
    ['America/St_Johns', winter, 'America/St_Johns'],
    ['Europe/London', springForward, 'Europe/London'],
    ['Africa/Abidjan', springForward, 'UTC'],
  ])('zones whose day ends together are one variant: %s at %s answers as %s', (zone, iso, expected) => {
    expect(todayZone(zone, at(iso))).toBe(expected);
  });

  it('every zone this runtime knows makes one of about 40 variants, each ending its day when its zones do', () => {
    const zones = Intl.supportedValuesOf('timeZone');
    const classes = new Map<string, Set<number>>();
    for (const zone of zones) {
      const end = windowEnd({ window: 'today', tz: zone }, ref);
      const stands = todayZone(zone, ref);
      expect(windowEnd({ window: 'today', tz: stands }, ref), zone).toBe(end);
      classes.set(stands, (classes.get(stands) ?? new Set()).add(end));
    }
    expect(zones.length).toBeGreaterThan(400);
    expect(classes.size).toBeLessThanOrEqual(45);
  });

  it("resolves a today window to the zone that stands for it, from the version's refreshed_at; a basis without one keeps the zone", () => {
    const winterBasis = { ...basis, refreshed_at: '2026-12-07T12:00:00Z' };
    expect(resolveVariant(variantOf({ window: 'today', tz: 'America/Toronto', lang: 'es' }), { ...winterBasis, languages: ['es'] })).toStrictEqual({
      window: 'today',
      tz: 'Etc/GMT+5',
      lang: 'es',
    });
    expect(variantKey(resolveVariant(variantOf({ window: 'today', tz: 'America/New_York' }), winterBasis))).toBe('window=today&tz=Etc/GMT+5');
    // Without refreshed_at (a view populated by hand), from now, as the windows count: UTC+9 all year.
    expect(resolveVariant(variantOf({ window: 'today', tz: 'Asia/Seoul' }), { ...basis, refreshed_at: null })).toStrictEqual({
      window: 'today',
      tz: 'Etc/GMT-9',
    });
    expect(resolveVariant(variantOf({ window: 'live' }), winterBasis)).toStrictEqual({ window: 'live' });
  });
});
