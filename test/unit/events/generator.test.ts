import { describe, expect, it } from 'vitest';
import { demoCatalog } from '../../../src/events/catalog.js';
import { generateEvents, statusFor } from '../../../src/events/generator.js';
import { eventStatuses } from '../../../src/events/types.js';

const now = new Date('2026-11-25T12:00:00Z');
const hour = 3600_000;

describe('generateEvents', () => {
  const events = [...generateEvents({ count: 20_000, now, seed: 7 })];

  it('is deterministic for a seed and numbers ids from the prefix', () => {
    expect([...generateEvents({ count: 50, now, seed: 7 })]).toEqual(events.slice(0, 50));
    expect(events[0]?.id).toBe('demo-1');
    expect(new Set(events.map((e) => e.id)).size).toBe(events.length);
  });

  it('covers the catalogue: about 15 sports and 50 leagues', () => {
    expect(new Set(events.map((e) => e.sport_id)).size).toBe(demoCatalog.length);
    expect(new Set(events.map((e) => e.league_id)).size).toBe(demoCatalog.flatMap((s) => s.leagues).length);
    expect(demoCatalog.length).toBe(15);
  });

  it('spreads start times from 3 days ago to 2 weeks ahead, with about 2% live', () => {
    const offsets = events.map((e) => e.commence_time.getTime() - now.getTime());
    expect(Math.min(...offsets)).toBeGreaterThanOrEqual(-3 * 24 * hour - 15 * 60_000);
    expect(Math.max(...offsets)).toBeLessThanOrEqual(14 * 24 * hour);
    const live = events.filter((e) => e.status === 'live').length / events.length;
    expect(live).toBeGreaterThan(0.015);
    expect(live).toBeLessThan(0.035);
    expect(new Set(events.map((e) => e.status))).toEqual(new Set(eventStatuses));
  });

  it('never pairs a competitor with itself', () => {
    expect(events.every((e) => e.home_team !== e.away_team)).toBe(true);
  });
});

describe('statusFor', () => {
  it('future games are scheduled unless postponed or cancelled', () => {
    expect(statusFor(hour, 0.5)).toBe('scheduled');
    expect(statusFor(hour, 0.005)).toBe('postponed');
    expect(statusFor(hour, 0.015)).toBe('cancelled');
  });
  it('recent games are live or just completed; old ones completed, with a few never updated', () => {
    expect(statusFor(-hour, 0.5)).toBe('live');
    expect(statusFor(-hour, 0.9)).toBe('completed');
    expect(statusFor(-24 * hour, 0.5)).toBe('completed');
    expect(statusFor(-24 * hour, 0.99)).toBe('scheduled');
  });
});
