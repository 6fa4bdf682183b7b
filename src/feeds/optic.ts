import type { EventStatus } from '../events/types.js';
import type { Mapped } from './odds-api.js';
import { feedId, isObject, nonEmptyString, parseFeedTime, slugify, titleCase } from './values.js';

/** Optic Odds statuses, lower-cased; anything else is rejected rather than guessed. */
const statusMap: Record<string, EventStatus> = {
  unplayed: 'scheduled',
  delayed: 'scheduled',
  live: 'live',
  half: 'live',
  suspended: 'live',
  completed: 'completed',
  cancelled: 'cancelled',
};

/**
 * Optic Odds names some sports differently from the sidebar's slugs; mapping them lets both
 * feeds land under one sport (and pick up its configured priority and icon).
 */
const sportAliases: Record<string, { id: string; name: string }> = {
  football: { id: 'americanfootball', name: 'American Football' },
  american_football: { id: 'americanfootball', name: 'American Football' },
  hockey: { id: 'icehockey', name: 'Ice Hockey' },
  ice_hockey: { id: 'icehockey', name: 'Ice Hockey' },
  mma: { id: 'mma', name: 'MMA' },
};

/** `{id, name}` in v2/v3, or a plain string in older (OddsJam) dumps. */
function named(value: unknown): { id: string; name: string } | null {
  if (isObject(value)) {
    const id = feedId(value.id) ?? nonEmptyString(value.name);
    const name = nonEmptyString(value.name) ?? (id ? titleCase(id) : null);
    return id && name ? { id, name } : null;
  }
  const text = nonEmptyString(value);
  return text ? { id: text, name: text } : null;
}

function competitor(record: Record<string, unknown>, side: 'home' | 'away'): string | null {
  const display = nonEmptyString(record[`${side}_team_display`]) ?? nonEmptyString(record[`${side}_team`]);
  if (display) return display;
  const competitors = record[`${side}_competitors`];
  return Array.isArray(competitors) && isObject(competitors[0]) ? nonEmptyString(competitors[0].name) : null;
}

/** Maps an Optic Odds fixture (v2/v3, or a legacy OddsJam game) to an odds_events row. */
export function mapOpticFixture(record: Record<string, unknown>, shiftMs = 0): Mapped {
  const id = feedId(record.id);
  if (!id) return { reject: 'missing id' };
  if (record.start_date === undefined || record.start_date === null) return { reject: 'missing start_date' };
  const parsed = parseFeedTime(record.start_date);
  if (!parsed) return { reject: `unparseable start_date ${JSON.stringify(record.start_date)}` };
  const start = new Date(parsed.getTime() + shiftMs);
  const sportNamed = named(record.sport);
  if (!sportNamed) return { reject: 'missing sport' };
  const league = named(record.league);
  if (!league) return { reject: 'missing league' };

  let status: EventStatus;
  const rawStatus = record.status;
  if (rawStatus === undefined || rawStatus === null) {
    // Legacy OddsJam games carry only is_live.
    status = record.is_live === true ? 'live' : 'scheduled';
  } else {
    const mapped = typeof rawStatus === 'string' ? statusMap[rawStatus.trim().toLowerCase()] : undefined;
    if (!mapped) return { reject: `unknown status ${JSON.stringify(rawStatus)}` };
    status = record.is_live === true && mapped === 'scheduled' ? 'live' : mapped;
  }

  const sportSlug = slugify(sportNamed.id, '_');
  const leagueSlug = slugify(league.id, '_');
  // An id of only punctuation slugs to nothing, which odds_events refuses: reject the record, not the batch.
  if (!sportSlug) return { reject: `unusable sport id ${JSON.stringify(sportNamed.id)}` };
  if (!leagueSlug) return { reject: `unusable league id ${JSON.stringify(league.id)}` };
  const sport = sportAliases[sportSlug] ?? {
    id: sportSlug.replace(/_/g, ''),
    name: sportNamed.name === sportNamed.id ? titleCase(sportNamed.id) : sportNamed.name,
  };
  return {
    id,
    sport_id: sport.id,
    sport: sport.name,
    league_id: leagueSlug,
    league: league.name,
    home_team: competitor(record, 'home'),
    away_team: competitor(record, 'away'),
    commence_time: start,
    status,
    status_inferred: false,
    source: 'optic-odds',
  };
}

export const isOpticFixture = (value: Record<string, unknown>) =>
  ('start_date' in value || 'home_team_display' in value) && ('sport' in value || 'league' in value || 'id' in value);
