import { DateTime } from 'luxon';
import { boundedMemo } from '../bounded-memo.js';
import type { BasisRow, SidebarBasis } from '../hierarchy.js';

/*
 * Time windows: the sidebar of the live games, of the next 24 hours, or of the rest of a
 * calendar day in a time zone, derived from each league's starts (the games not yet live by start
 * time) without a query per request. Each league's starts reach sidebar_start_window() (26
 * hours) past the refresh, and every window here ends within it: the next 24 hours, or a calendar
 * day, which ends at most 25 hours ahead on a day that daylight saving lengthens.
 */

/** The time window a request asks for (window=, and tz= for today). */
export type TimeWindow =
  | { window: 'all' }
  | { window: 'live' }
  | { window: 'next_24h' }
  /** tz: the canonical IANA name of the zone whose day ends the window. */
  | { window: 'today'; tz: string };

// Names only (Area/Location, UTC, Etc/GMT+5): no offsets, paths or spaces, whatever the runtime accepts.
const zoneName = /^[A-Za-z][A-Za-z0-9_+-]*(?:\/[A-Za-z0-9_+-]+)*$/;

/**
 * The zone's canonical name (Europe/London for europe/london), or null when this runtime does
 * not know it. Remembered by name: asking Intl costs a formatter (about 30 µs), and every
 * request for a today window asks twice (validation, then the variant). Bounded: there are
 * about 600 names with their aliases, but any number of spellings.
 */
export const canonicalTimeZone = boundedMemo(4096, (name: string) => (zoneName.test(name) ? intlZone(name) : null));

function intlZone(name: string): string | null {
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone;
  } catch {
    return null;
  }
}

/** Whether `name` is a time zone the windows can use: the ajv format of the tz parameter. */
export const isTimeZone = (name: string): boolean => canonicalTimeZone(name) !== null;

/**
 * The zone a today window counted from `refSeconds` answers as: every zone whose day ends at
 * the same instant gives the same sidebar, so they are one variant, with one key, one set of
 * bytes and one CDN tag. Etc/GMT∓N (UTC, for UTC+0) stands for the zones at a whole-hour
 * offset whose day ends when its does (New York in winter is Etc/GMT+5; a zone whose clocks
 * change before midnight keeps its own name); a zone at a fractional offset (India, Nepal,
 * Newfoundland) is its own. About 40 variants where there were over 400 zones.
 */
// Bounded: a version's reference time with each zone asked for (a few hundred names), then the next version's.
export const todayZone = boundedMemo(2048, (tz: string, refSeconds: number): string => {
  const offsetMinutes = DateTime.fromSeconds(refSeconds, { zone: tz }).offset;
  // Stryker disable next-line ConditionalExpression: a shortcut; a fractional offset names no Etc zone, whose day end (NaN) equals none.
  if (offsetMinutes % 60 !== 0) return tz;
  const hours = offsetMinutes / 60;
  // POSIX signs: Etc/GMT+5 is five hours behind UTC.
  // Stryker disable next-line EqualityOperator: hours is not 0 in that branch.
  const fixed = hours === 0 ? 'UTC' : `Etc/GMT${hours > 0 ? '-' : '+'}${Math.abs(hours)}`;
  return dayEnd(fixed, refSeconds) === dayEnd(tz, refSeconds) ? fixed : tz;
});

/**
 * Where a time window ends, in epoch seconds, counted from `refSeconds` (the version's
 * refreshed_at, so every instance derives the same bytes for a version): 24 hours later, or
 * the start of the next calendar day in the zone (luxon: a day of 23 or 25 hours, a midnight
 * that DST skips). live is the window that ends before any game not yet live starts.
 */
export function windowEnd(variant: Exclude<TimeWindow, { window: 'all' }>, refSeconds: number): number {
  if (variant.window === 'live') return Number.NEGATIVE_INFINITY;
  if (variant.window === 'next_24h') return refSeconds + 24 * 3600;
  return dayEnd(variant.tz, refSeconds);
}

/**
 * When the calendar day of `refSeconds` ends in `tz`, in epoch seconds. Remembered: luxon's
 * calendar arithmetic costs tens of microseconds, and a version's windows ask for the same ends
 * again and again (bounded: a version's reference time with each zone asked for, then the next's).
 */
const dayEnd = boundedMemo(4096, (tz: string, refSeconds: number) =>
  DateTime.fromSeconds(refSeconds, { zone: tz }).startOf('day').plus({ days: 1 }).toSeconds(),
);

/** The windows' reference time: the version's refreshed_at; for a basis without one (a view populated by hand), now. */
export function referenceSeconds(basis: SidebarBasis): number {
  return basis.refreshed_at !== null ? Date.parse(basis.refreshed_at) / 1000 : Math.floor(Date.now() / 1000);
}

/**
 * A league in a window ending at `end`: its live games, and its games not yet live that start
 * before the end (a start exactly at the end is the next window's); its next start if it is
 * before the end. Leagues with nothing in the window are left out.
 */
export function windowRows(rows: readonly BasisRow[], end: number): BasisRow[] {
  const kept: BasisRow[] = [];
  for (const row of rows) {
    let games = row.live_game_count;
    for (const [at, count] of row.starts) {
      if (at >= end) break; // in time order
      games += count;
    }
    if (games === 0) continue;
    // Stryker disable next-line ConditionalExpression: Date.parse(null) is NaN, never below the end; the check says so for the reader.
    const next = row.next_start !== null && Date.parse(row.next_start) / 1000 < end ? row.next_start : null;
    kept.push({ ...row, game_count: games, next_start: next });
  }
  return kept;
}
