import { type Static, Type } from '@sinclair/typebox';
import { Count, Instant, NullableInstant } from './common.js';

const Priority = Type.Union([Type.Integer(), Type.Null()], {
  description: 'Configured priority; null when unconfigured (shown after configured ones).',
});

export const League = Type.Object({
  league_id: Type.String({ examples: ['nba'] }),
  league: Type.String({ examples: ['NBA'] }),
  icon: Type.Union([Type.String(), Type.Null()]),
  priority: Priority,
  game_count: Count,
  live_game_count: Count,
  next_start: Type.Union([Instant, Type.Null()], { description: 'Earliest upcoming start among open games (UTC, to the second).' }),
  region: Type.Union([Type.String(), Type.Null()], {
    description: 'The country or area the league belongs to (England, International); null when it has none.',
    examples: ['England'],
  }),
});
export type League = Static<typeof League>;

export const Sport = Type.Object({
  sport_id: Type.String({ examples: ['basketball'] }),
  sport: Type.String({ examples: ['Basketball'] }),
  icon: Type.Union([Type.String(), Type.Null()]),
  priority: Priority,
  game_count: Count,
  live_game_count: Count,
  leagues: Type.Array(League),
  truncated: Type.Optional(
    Type.Literal(true, { description: 'Present when the sport has more leagues than are listed (100 at most); its counts include them all.' }),
  ),
});
export type Sport = Static<typeof Sport>;

export const Region = Type.Object({
  region_id: Type.Union([Type.String(), Type.Null()], { description: 'null: the leagues without a region, listed last.', examples: ['england'] }),
  region: Type.Union([Type.String(), Type.Null()], { examples: ['England'] }),
  priority: Priority,
  game_count: Count,
  live_game_count: Count,
  leagues: Type.Array(League),
});
export type Region = Static<typeof Region>;

/** A sport of group=region: its leagues under their regions. */
export const RegionSport = Type.Object({
  ...Type.Omit(Sport, ['leagues', 'truncated']).properties,
  regions: Type.Array(Region, { description: 'By priority, then live games, games and name; the leagues without a region last.' }),
  truncated: Sport.properties.truncated,
});
export type RegionSport = Static<typeof RegionSport>;

export const SidebarOrigin = Type.Union([Type.Literal('materialized_view'), Type.Literal('fallback')], {
  description: 'materialized_view: the last refresh; fallback: computed from odds_events now, because the view was unavailable.',
});
export type SidebarOrigin = Static<typeof SidebarOrigin>;

export const Sidebar = Type.Object(
  {
    sports: Type.Array(Sport),
    totals: Type.Object({ sports: Count, leagues: Count, game_count: Count, live_game_count: Count }),
    refreshed_at: NullableInstant,
    source: SidebarOrigin,
    version: Type.Union([Type.Integer({ minimum: 1 }), Type.Null()], {
      description:
        "The version (the refresh that made it; the stream's event id): a client that holds this sidebar opens the stream with it as Last-Event-ID and gets only what is newer. Null for the fallback (computed from odds_events, unversioned).",
    }),
  },
  { description: 'Sports in sidebar order, each with its leagues in order; only sports and leagues with open games.' },
);
export type Sidebar = Static<typeof Sidebar>;

/** The sidebar of group=region: the same, with each sport's leagues under their regions. */
export const RegionSidebar = Type.Object(
  {
    ...Type.Omit(Sidebar, ['sports']).properties,
    sports: Type.Array(RegionSport),
  },
  { description: 'group=region: sports in sidebar order, each with its regions, each with its leagues in sidebar order.' },
);
export type RegionSidebar = Static<typeof RegionSidebar>;

/** How a sidebar's leagues are grouped (`group=`). */
export const sidebarGroups = ['league', 'region'] as const;
export type SidebarGroup = (typeof sidebarGroups)[number];
export const SidebarGroup = Type.Unsafe<SidebarGroup>({
  type: 'string',
  enum: [...sidebarGroups],
  default: 'league',
  description:
    'league: each sport lists its leagues (default). region: each sport lists its regions (a country or area, by priority), each with its leagues and counts.',
});

/** The time windows a sidebar can be asked for (`window=`). */
export const sidebarWindows = ['all', 'live', 'next_24h', 'today'] as const;
export type SidebarWindow = (typeof sidebarWindows)[number];
// An enum (not a union of literals): OpenAPI lists the values, and a wrong one is answered with them.
export const SidebarWindow = Type.Unsafe<SidebarWindow>({
  type: 'string',
  enum: [...sidebarWindows],
  default: 'all',
  description:
    "all: every open game (default). live: live games only; counts and totals are the live games, sports and leagues without one are left out, next_start is null (they have all started). next_24h: the live games and those starting within 24 hours of refreshed_at. today: the live games and those starting before the end of the calendar day of refreshed_at in the time zone tz. In every window, counts, totals and next_start are the window's, sports and leagues with nothing in it are left out, and the order is the full sidebar's. A game not marked live whose start has passed counts in every window until it is.",
});

/** An IANA time zone name, checked against the zones this runtime knows (format registered in app.ts). */
export const timeZoneFormat = 'iana-time-zone';

export const SidebarTimeZone = Type.String({
  format: timeZoneFormat,
  maxLength: 64,
  default: 'UTC',
  description:
    'For window=today: the IANA time zone whose calendar day ends the window (Europe/London, America/New_York, Asia/Kathmandu). Default UTC; ignored by the other windows.',
  examples: ['Europe/London'],
});

/** A BCP 47 language tag (es, pt-BR, zh-Hant-TW), checked by Intl (format registered in app.ts). */
export const languageTagFormat = 'bcp47';

/**
 * The shape of a language tag names are kept under, in its canonical case (es, pt-BR, zh-Hant):
 * a language, then up to two subtags (script, region). The check on sidebar_names.lang (migration 014)
 * is the same expression, in SQL.
 */
export const languageTagPattern = '^[a-z]{2,3}(-[A-Za-z0-9]{2,8}){0,2}$';

export const SidebarLanguage = Type.String({
  format: languageTagFormat,
  maxLength: 35,
  description:
    "The language of sport, league and region names (BCP 47: es, pt-BR, de). Each name falls back to the language's prefix (pt-BR to pt), then to the default name; a language without names is answered in the default one, not refused. Content-Language says which.",
  examples: ['pt-BR'],
});

export const SidebarJurisdiction = Type.String({
  // ISO 3166-1 alpha-2, or a subdivision of ISO 3166-2; any case (us-nj is US-NJ).
  pattern: '^[A-Za-z]{2}(-[A-Za-z0-9]{1,3})?$',
  description:
    "Where the bettor is (ISO 3166: FR, GB, US-NJ): the sidebar without what that jurisdiction's rules hide (sports, leagues, or the games involving teams it bars; or everything but the competitions an allowlist jurisdiction approves), its counts, totals and next_start those of what is left. Rules are configuration (sidebar_jurisdictions, sidebar_jurisdiction_rules) and take effect at the next refresh. A jurisdiction not configured is a 400 listing the known ones, never the unfiltered sidebar.",
  examples: ['US-NJ'],
});

/** What picks a variant of the sidebar: on the sidebar route and its stream. */
export const VariantQuery = Type.Object({
  window: Type.Optional(SidebarWindow),
  tz: Type.Optional(SidebarTimeZone),
  group: Type.Optional(SidebarGroup),
  lang: Type.Optional(SidebarLanguage),
  jurisdiction: Type.Optional(SidebarJurisdiction),
});
export type VariantQuery = Static<typeof VariantQuery>;

export const SidebarQuery = Type.Object({
  ...VariantQuery.properties,
  force_refresh: Type.Optional(Type.Boolean({ default: false, description: 'Bypass the cache and read the database (admin only).' })),
});
export type SidebarQuery = Static<typeof SidebarQuery>;
