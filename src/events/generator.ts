import { type CatalogSport, demoCatalog, demoCities, demoFirstNames, demoLastNames } from './catalog.js';
import type { EventStatus, OddsEvent } from './types.js';

const hour = 3600_000;
const day = 24 * hour;

/** mulberry32: a tiny seeded PRNG, so a seed always generates the same events. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface GenerateOptions {
  count: number;
  /** The moment the data is generated around. */
  now?: Date;
  seed?: number;
  /** Event ids are `${idPrefix}-${n}`: the same options regenerate the same ids. */
  idPrefix?: string;
  /** Share of events that are live now. */
  liveShare?: number;
  catalog?: readonly CatalogSport[];
}

/**
 * Status of an event that starts at `startsIn` ms from now (negative: in the past), the way a
 * feed reports it: future games are mostly scheduled; games that started a few hours ago are
 * over; older ones are completed, with a few cancellations, postponements and scheduled games
 * that the feed never updated (which the sidebar must stop counting after 12 hours).
 */
export function statusFor(startsIn: number, r: number): EventStatus {
  if (startsIn > 0) return r < 0.01 ? 'postponed' : r < 0.02 ? 'cancelled' : 'scheduled';
  if (startsIn > -3 * hour) return r < 0.7 ? 'live' : 'completed';
  return r < 0.94 ? 'completed' : r < 0.96 ? 'cancelled' : r < 0.98 ? 'postponed' : 'scheduled';
}

/**
 * Generates realistic events lazily (so millions never sit in memory at once): spread from
 * 3 days ago to 2 weeks ahead, about `liveShare` of them live, across the demo catalogue.
 */
export function* generateEvents(options: GenerateOptions): Generator<OddsEvent> {
  const { count, now = new Date(), seed = 42, idPrefix = 'demo', liveShare = 0.02, catalog = demoCatalog } = options;
  const random = seededRandom(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const leagues = catalog.flatMap((sport) => sport.leagues.map((league) => ({ sport, league })));
  const totalWeight = leagues.reduce((n, l) => n + l.league.weight, 0);
  const t0 = now.getTime();

  const pickLeague = () => {
    let r = random() * totalWeight;
    for (const entry of leagues) {
      r -= entry.league.weight;
      if (r < 0) return entry;
    }
    return leagues[leagues.length - 1] as (typeof leagues)[number];
  };
  const competitor = (sport: CatalogSport) =>
    sport.kind === 'teams' ? `${pick(demoCities)} ${pick(sport.nicknames ?? ['FC'])}` : `${pick(demoFirstNames)} ${pick(demoLastNames)}`;

  for (let n = 1; n <= count; n++) {
    const { sport, league } = pickLeague();
    const live = random() < liveShare;
    // Kick-offs land on quarter hours, as real fixtures do.
    const offset = live ? -random() * 3 * hour : -3 * day + random() * 17 * day;
    const commence = Math.floor((t0 + offset) / (15 * 60_000)) * 15 * 60_000;
    const home = competitor(sport);
    let away = competitor(sport);
    if (away === home) away = `${away} II`;
    yield {
      id: `${idPrefix}-${n}`,
      sport_id: sport.id,
      sport: sport.name,
      league_id: league.id,
      league: league.name,
      home_team: home,
      away_team: away,
      commence_time: new Date(commence),
      status: live ? 'live' : statusFor(commence - t0, random()),
      source: 'generator',
    };
  }
}
