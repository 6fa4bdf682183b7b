import type { EventStatus, OddsEvent } from '../events/types.js';
import { feedId, nonEmptyString, parseFeedTime, slugify, titleCase } from './values.js';

/** A /v4/sports entry: the group (sport) and title (league) of a sport_key. */
export interface OddsApiSport {
  group: string;
  title: string;
}

/** Groups of The Odds API by sport_key prefix, for events imported without a /v4/sports list. */
const groupsByPrefix: Record<string, string> = {
  americanfootball: 'American Football',
  aussierules: 'Aussie Rules',
  baseball: 'Baseball',
  basketball: 'Basketball',
  boxing: 'Boxing',
  cricket: 'Cricket',
  golf: 'Golf',
  handball: 'Handball',
  icehockey: 'Ice Hockey',
  lacrosse: 'Lacrosse',
  mma: 'Mixed Martial Arts',
  politics: 'Politics',
  rugbyleague: 'Rugby League',
  rugbyunion: 'Rugby Union',
  soccer: 'Soccer',
  tennis: 'Tennis',
};

export function groupFromSportKey(sportKey: string): string {
  const prefix = sportKey.split('_')[0] ?? sportKey;
  return groupsByPrefix[prefix] ?? titleCase(prefix);
}

const hour = 3600_000;

export interface LiveWindows {
  /** Hours after its start that an event without a status counts as live (default 4). */
  defaultHours: number;
  /** Longer windows by sport_key prefix: a cricket match or a golf round lasts longer. */
  byKeyPrefix: Record<string, number>;
}

export const defaultLiveWindows: LiveWindows = {
  defaultHours: 4,
  byKeyPrefix: { cricket_test: 120, cricket: 8, golf: 12 },
};

/** The default windows with FEED_LIVE_WINDOW_HOURS as the general one. */
export const liveWindowsWithDefault = (defaultHours: number): LiveWindows => ({ ...defaultLiveWindows, defaultHours });

export function liveWindowHours(sportKey: string, windows: LiveWindows): number {
  // Longest matching prefix wins ('cricket_test' over 'cricket').
  const match = Object.keys(windows.byKeyPrefix)
    .filter((prefix) => sportKey.startsWith(prefix))
    .sort((a, b) => b.length - a.length)[0];
  return match ? (windows.byKeyPrefix[match] as number) : windows.defaultHours;
}

/**
 * The Odds API has no status. A scores record's `completed: true` is a fact; otherwise the
 * status is inferred from the start time: live within the sport's live window after the
 * start, presumed completed after that, scheduled before it.
 */
export function inferOddsApiStatus(commence: Date, completed: boolean, windowHours: number, now: Date): { status: EventStatus; inferred: boolean } {
  if (completed) return { status: 'completed', inferred: false };
  const sinceStart = now.getTime() - commence.getTime();
  if (sinceStart < 0) return { status: 'scheduled', inferred: true };
  return { status: sinceStart < windowHours * hour ? 'live' : 'completed', inferred: true };
}

export interface OddsApiContext {
  sports: ReadonlyMap<string, OddsApiSport>;
  liveWindows: LiveWindows;
  now: Date;
  /** Added to every start time (to replay a historical dump as upcoming games). */
  shiftMs?: number;
}

export type Mapped = OddsEvent | { reject: string };

/** Maps a v4 event, odds or scores record (or a legacy v3 record) to an odds_events row. */
export function mapOddsApiEvent(record: Record<string, unknown>, ctx: OddsApiContext): Mapped {
  const id = feedId(record.id);
  if (!id) return { reject: 'missing id' };
  const sportKey = nonEmptyString(record.sport_key);
  if (!sportKey) return { reject: 'missing sport_key' };
  if (record.commence_time === undefined || record.commence_time === null) return { reject: 'missing commence_time' };
  const parsed = parseFeedTime(record.commence_time);
  if (!parsed) return { reject: `unparseable commence_time ${JSON.stringify(record.commence_time)}` };
  const commence = new Date(parsed.getTime() + (ctx.shiftMs ?? 0));

  const listed = ctx.sports.get(sportKey);
  const group = listed?.group ?? groupFromSportKey(sportKey);
  if (!slugify(group)) return { reject: `unusable sport group ${JSON.stringify(group)}` };
  const title = listed?.title ?? nonEmptyString(record.sport_title) ?? nonEmptyString(record.sport_nice) ?? sportKey;

  const { home, away } = teams(record);
  const { status, inferred } = inferOddsApiStatus(commence, record.completed === true, liveWindowHours(sportKey, ctx.liveWindows), ctx.now);
  return {
    id,
    sport_id: slugify(group),
    sport: group,
    league_id: sportKey,
    league: title,
    home_team: home,
    away_team: away,
    commence_time: commence,
    status,
    status_inferred: inferred,
    source: 'the-odds-api',
  };
}

/** v4 names both teams; v3 lists `teams` and names the home one. */
function teams(record: Record<string, unknown>): { home: string | null; away: string | null } {
  const home = nonEmptyString(record.home_team);
  let away = nonEmptyString(record.away_team);
  if (!away && Array.isArray(record.teams)) {
    away = record.teams.map(nonEmptyString).find((t) => t && t !== home) ?? null;
  }
  return { home, away };
}

/** A /v4/sports entry, or null when the record is not one. */
export function readOddsApiSport(record: Record<string, unknown>): { key: string; sport: OddsApiSport } | null {
  const key = nonEmptyString(record.key);
  const group = nonEmptyString(record.group);
  const title = nonEmptyString(record.title);
  return key && group && title ? { key, sport: { group, title } } : null;
}

export const isOddsApiSportsEntry = (value: Record<string, unknown>) => 'key' in value && 'group' in value && 'title' in value;
export const isOddsApiEvent = (value: Record<string, unknown>) =>
  'sport_key' in value && ('commence_time' in value || 'id' in value || 'home_team' in value || 'teams' in value);
export const isOddsApiV3 = (value: Record<string, unknown>) => 'sport_nice' in value || (Array.isArray(value.teams) && !('away_team' in value));
