import { describe, expect, it, vi } from 'vitest';
import type { RegionSidebar, Sidebar } from '../../src/contract/index.js';
import { type BasisRow, basisOf, type SidebarBasis } from '../../src/sidebar/hierarchy.js';
import type { SidebarRow } from '../../src/sidebar/repository.js';
import { buildSnapshot } from '../../src/sidebar/snapshot.js';
import {
  boundedMemo,
  canonicalLanguage,
  canonicalTimeZone,
  createVariantStore,
  deriveSidebar,
  fullSidebar,
  isLanguageTag,
  isTimeZone,
  resolveLanguage,
  resolveVariant,
  todayZone,
  UnknownJurisdictionError,
  type Variant,
  type VariantBase,
  variantKey,
  variantOf,
  windowEnd,
} from '../../src/sidebar/variants.js';

const at = (iso: string) => Date.parse(iso) / 1000;
const hour = 3600;
// The version's refreshed_at: the windows' reference time.
const ref = at('2026-11-26T12:00:00Z');
const dayAhead = ref + 24 * hour;
// Asia/Kathmandu is UTC+05:45: its 26 November ends at 18:15 UTC, not on a whole hour.
const kathmanduMidnight = at('2026-11-26T18:15:00Z');

let rank = 0;
function row(
  sport: string,
  league: string,
  games: number,
  live: number,
  starts: Array<[number, number]>,
  next: string | null,
  region: [string, string, number | null] | null = null,
): BasisRow {
  return {
    sport_id: sport,
    sport: sport.toUpperCase(),
    sport_icon: null,
    sport_priority: null,
    league_id: league,
    league: league.toUpperCase(),
    league_icon: null,
    league_priority: null,
    game_count: games,
    live_game_count: live,
    next_start: next,
    sport_rank: 0,
    league_rank: ++rank,
    starts,
    region_id: region?.[0] ?? null,
    region: region?.[1] ?? null,
    region_priority: region?.[2] ?? null,
    jurisdictions: {},
  };
}

/** Each league's games not live, by start: within 26 hours in `starts`, the rest later (not listed). */
const basis: SidebarBasis = {
  source: 'materialized_view',
  refreshed_at: '2026-11-26T12:00:00Z',
  version: 3,
  names: { sport: {}, league: {}, region: {} },
  languages: [],
  jurisdictions: [],
  rows: [
    // 3 live; 5 not: 1 whose start passed (not marked live yet), 2 in an hour, 1 a second before the
    // 24 hours end, 1 exactly at their end (the next window's).
    row(
      'soccer',
      'epl',
      8,
      3,
      [
        [ref - hour, 1],
        [ref + hour, 2],
        [dayAhead - 1, 1],
        [dayAhead, 1],
      ],
      '2026-11-26T13:00:00Z',
    ),
    // 1 at 04:00 UTC tomorrow: in Los Angeles' today (until 08:00 UTC), not in UTC's; 3 later.
    row('soccer', 'mls', 4, 0, [[ref + 16 * hour, 1]], '2026-11-27T04:00:00Z'),
    row('tennis', 'atp', 5, 0, [], '2026-11-29T10:00:00Z'),
    // 1 live; 3 in two hours, 1 a second before Kathmandu's midnight, 1 exactly at it.
    row(
      'basketball',
      'nba',
      6,
      1,
      [
        [ref + 2 * hour, 3],
        [kathmanduMidnight - 1, 1],
        [kathmanduMidnight, 1],
      ],
      '2026-11-26T14:00:00Z',
    ),
    row('basketball', 'euro', 3, 2, [], '2026-11-30T18:00:00Z'),
  ],
};

/** [sport, games, live, [[league, games, live, next_start]]] of a variant. */
function summary(sidebar: Sidebar) {
  return sidebar.sports.map((s) => [
    s.sport_id,
    s.game_count,
    s.live_game_count,
    s.leagues.map((l) => [l.league_id, l.game_count, l.live_game_count, l.next_start]),
  ]);
}

/** An ungrouped variant's sidebar. */
const sidebarOf = (b: SidebarBasis, variant: Variant) => deriveSidebar(b, variant) as Sidebar;
const derive = (variant: Partial<Variant>) => sidebarOf(basis, variantOf(variant));

describe('deriveSidebar', () => {
  it('window=all is the full sidebar of the basis', () => {
    const full = derive({});
    expect(summary(full)).toEqual([
      [
        'soccer',
        12,
        3,
        [
          ['epl', 8, 3, '2026-11-26T13:00:00Z'],
          ['mls', 4, 0, '2026-11-27T04:00:00Z'],
        ],
      ],
      ['tennis', 5, 0, [['atp', 5, 0, '2026-11-29T10:00:00Z']]],
      [
        'basketball',
        9,
        3,
        [
          ['nba', 6, 1, '2026-11-26T14:00:00Z'],
          ['euro', 3, 2, '2026-11-30T18:00:00Z'],
        ],
      ],
    ]);
    expect(full.totals).toEqual({ sports: 3, leagues: 5, game_count: 26, live_game_count: 6 });
    expect(variantKey({ window: 'all' })).toBe('');
  });

  it('window=live: only sports and leagues with live games, in the same order, their live games as their games, no next start; totals recounted', () => {
    const before = structuredClone(basis);
    const live = derive({ window: 'live' });
    expect(variantKey({ window: 'live' })).toBe('window=live');
    expect(summary(live)).toEqual([
      ['soccer', 3, 3, [['epl', 3, 3, null]]],
      [
        'basketball',
        3,
        3,
        [
          ['nba', 1, 1, null],
          ['euro', 2, 2, null],
        ],
      ],
    ]);
    expect(live.totals).toEqual({ sports: 2, leagues: 3, game_count: 6, live_game_count: 6 });
    expect(live).toMatchObject({ refreshed_at: basis.refreshed_at, source: basis.source });
    expect(basis).toEqual(before); // not changed
  });

  it('window=next_24h: live games and those starting before refreshed_at + 24 h (one exactly at the end is left out); next_start only if within', () => {
    const next = derive({ window: 'next_24h' });
    expect(summary(next)).toEqual([
      [
        'soccer',
        8,
        3,
        [
          ['epl', 7, 3, '2026-11-26T13:00:00Z'],
          ['mls', 1, 0, '2026-11-27T04:00:00Z'],
        ],
      ],
      [
        'basketball',
        8,
        3,
        [
          ['nba', 6, 1, '2026-11-26T14:00:00Z'],
          ['euro', 2, 2, null],
        ],
      ],
    ]);
    expect(next.totals).toEqual({ sports: 2, leagues: 4, game_count: 16, live_game_count: 6 });
    expect(variantKey({ window: 'next_24h' })).toBe('window=next_24h');
  });

  it("window=today: up to the end of refreshed_at's calendar day in the zone; UTC by default", () => {
    // UTC: until 00:00 UTC tomorrow. mls's game at 04:00 UTC is tomorrow.
    expect(summary(derive({ window: 'today' }))).toEqual([
      ['soccer', 6, 3, [['epl', 6, 3, '2026-11-26T13:00:00Z']]],
      [
        'basketball',
        8,
        3,
        [
          ['nba', 6, 1, '2026-11-26T14:00:00Z'],
          ['euro', 2, 2, null],
        ],
      ],
    ]);
    // Los Angeles (UTC-8): until 08:00 UTC tomorrow, so mls's game is today there.
    expect(summary(derive({ window: 'today', tz: 'America/Los_Angeles' }))[0]).toEqual([
      'soccer',
      7,
      3,
      [
        ['epl', 6, 3, '2026-11-26T13:00:00Z'],
        ['mls', 1, 0, '2026-11-27T04:00:00Z'],
      ],
    ]);
    // Kathmandu (UTC+05:45): until 18:15 UTC; the game a second before counts, the one at 18:15 does not.
    const kathmandu = derive({ window: 'today', tz: 'Asia/Kathmandu' });
    expect(summary(kathmandu)[1]).toEqual([
      'basketball',
      7,
      3,
      [
        ['nba', 5, 1, '2026-11-26T14:00:00Z'],
        ['euro', 2, 2, null],
      ],
    ]);
    expect(kathmandu.totals).toEqual({ sports: 2, leagues: 3, game_count: 13, live_game_count: 6 });
  });

  it('a window lists the first 100 leagues in the window, and a sport is cut only when more than 100 are in it', () => {
    const many: SidebarBasis = {
      ...basis,
      rows: Array.from({ length: 150 }, (_, i) => row('darts', `d${i}`, 2, 0, i % 2 ? [] : [[ref + hour, 1]], null)),
    };
    const full = sidebarOf(many, { window: 'all' });
    expect(full.sports[0]).toMatchObject({ truncated: true, game_count: 300 });
    const next = sidebarOf(many, { window: 'next_24h' });
    expect(next.sports[0]?.leagues).toHaveLength(75);
    expect(next.sports[0]).not.toHaveProperty('truncated');
    expect(next.sports[0]?.game_count).toBe(75);
  });

  it("a league whose next game starts exactly at the window's end is listed for its live games, without a next start", () => {
    const edge: SidebarBasis = { ...basis, rows: [row('golf', 'pga', 2, 1, [[dayAhead, 1]], '2026-11-27T12:00:00Z')] };
    expect(summary(sidebarOf(edge, { window: 'next_24h' }))).toEqual([['golf', 1, 1, [['pga', 1, 1, null]]]]);
    const before: SidebarBasis = { ...basis, rows: [row('golf', 'pga', 2, 1, [[dayAhead - 1, 1]], '2026-11-27T11:59:59Z')] };
    expect(summary(sidebarOf(before, { window: 'next_24h' }))).toEqual([['golf', 2, 1, [['pga', 2, 1, '2026-11-27T11:59:59Z']]]]);
  });

  it('a basis without refreshed_at (a view populated by hand) counts its windows from now', () => {
    vi.useFakeTimers({ now: (ref - 2 * hour) * 1000 });
    try {
      // From two hours before refreshed_at, epl's game at refreshed_at + 1 h is 3 hours ahead: in; the one a second before + 24 h is not.
      const undated = sidebarOf({ ...basis, refreshed_at: null }, { window: 'next_24h' });
      expect(undated.sports[0]?.leagues[0]).toMatchObject({ league_id: 'epl', game_count: 6 });
    } finally {
      vi.useRealTimers();
    }
  });

  it('window=live with nothing live is an empty sidebar', () => {
    const quiet = { ...basis, rows: basis.rows.filter((r) => r.live_game_count === 0) };
    expect(sidebarOf(quiet, { window: 'live' })).toMatchObject({ sports: [], totals: { sports: 0, leagues: 0, game_count: 0, live_game_count: 0 } });
  });
});

describe('group=region', () => {
  const england: [string, string, number] = ['england', 'England', 40];
  const grouped: SidebarBasis = {
    ...basis,
    rows: [
      row('soccer', 'ucl', 2, 0, [], null, ['europe', 'Europe', 20]),
      row('soccer', 'epl', 8, 3, [], null, england),
      row('soccer', 'local', 5, 2, [], null), // no region
      row('soccer', 'championship', 3, 1, [], null, england),
      row('soccer', 'spl', 1, 0, [], null, ['scotland', 'Scotland', 40]), // England's priority, fewer live games
      row('soccer', 'mls', 4, 0, [], null, ['usa', 'USA', 30]),
      row('basketball', 'nba', 6, 1, [], null, ['usa', 'USA', 30]),
    ],
  };
  /** [sport, games, [[region id, name, priority, games, live, [leagues]]]] */
  const regionsOf = (sidebar: Sidebar | RegionSidebar) =>
    (sidebar as RegionSidebar).sports.map((s) => [
      s.sport_id,
      s.game_count,
      s.regions.map((r) => [r.region_id, r.region, r.priority, r.game_count, r.live_game_count, r.leagues.map((l) => l.league_id)]),
    ]);

  it('each sport lists its regions by priority, then live games; the leagues without one last; leagues in sidebar order; counts summed', () => {
    const sidebar = deriveSidebar(grouped, variantOf({ group: 'region' }));
    expect(regionsOf(sidebar)).toEqual([
      [
        'soccer',
        23,
        [
          ['europe', 'Europe', 20, 2, 0, ['ucl']],
          ['usa', 'USA', 30, 4, 0, ['mls']],
          ['england', 'England', 40, 11, 4, ['epl', 'championship']],
          ['scotland', 'Scotland', 40, 1, 0, ['spl']],
          [null, null, null, 5, 2, ['local']],
        ],
      ],
      ['basketball', 6, [['usa', 'USA', 30, 6, 1, ['nba']]]],
    ]);
    expect((sidebar as RegionSidebar).sports[0]?.regions[2]?.leagues[0]).toMatchObject({ league_id: 'epl', region: 'England' });
    expect(sidebar.totals).toEqual({ sports: 2, leagues: 7, game_count: 29, live_game_count: 7 });
    expect(variantKey(variantOf({ group: 'region' }))).toBe('group=region');
    expect(variantKey(variantOf({ window: 'today', tz: 'Europe/London', group: 'region' }))).toBe('window=today&tz=Europe/London&group=region');
    expect(variantOf({ group: 'league' })).toEqual({ window: 'all' });
  });

  it('regions of one priority: more live games first, then more games, then name', () => {
    const ties: SidebarBasis = {
      ...basis,
      rows: [
        row('golf', 'a', 1, 0, [], null, ['r1', 'Zeta', 5]),
        row('golf', 'b', 2, 1, [], null, ['r2', 'Eta', 5]),
        row('golf', 'c', 3, 2, [], null, ['r3', 'Theta', 5]),
        row('golf', 'd', 4, 0, [], null, ['r4', 'Iota', 6]),
        row('golf', 'e', 5, 0, [], null, ['r5', 'Kappa', 6]),
        row('golf', 'f', 6, 0, [], null, ['r6', 'Lambda', 6]),
        row('golf', 'g', 1, 0, [], null, ['r8', 'Beta', 7]),
        row('golf', 'h', 1, 0, [], null, ['r7', 'Alpha', 7]),
        row('golf', 'i', 1, 0, [], null, ['r9', 'Alpha', 7]),
      ],
    };
    const [golf] = (deriveSidebar(ties, variantOf({ group: 'region' })) as RegionSidebar).sports;
    expect(golf?.regions.map((r) => r.region_id)).toEqual(['r3', 'r2', 'r1', 'r6', 'r5', 'r4', 'r7', 'r9', 'r8']);
  });

  it('with a window: the regions and counts of the leagues in it', () => {
    expect(regionsOf(deriveSidebar(grouped, variantOf({ window: 'live', group: 'region' })))).toEqual([
      [
        'soccer',
        6,
        [
          ['england', 'England', 40, 4, 4, ['epl', 'championship']],
          [null, null, null, 2, 2, ['local']],
        ],
      ],
      ['basketball', 1, [['usa', 'USA', 30, 1, 1, ['nba']]]],
    ]);
  });

  it('a sport cut at 100 leagues: region counts include the cut ones, a region with none listed is left out, the sport stays marked', () => {
    const many: SidebarBasis = {
      ...basis,
      rows: Array.from({ length: 150 }, (_, i) => row('darts', `d${i}`, 2, 0, [], null, i < 120 ? ['a', 'A', 1] : ['b', 'B', 2])),
    };
    const [darts] = (deriveSidebar(many, variantOf({ group: 'region' })) as RegionSidebar).sports;
    expect(darts?.regions.map((r) => [r.region_id, r.game_count, r.leagues.length])).toEqual([['a', 240, 100]]);
    expect(darts).toMatchObject({ truncated: true, game_count: 300 });
    expect(darts).not.toHaveProperty('leagues');
  });
});

describe('languages', () => {
  const dbRow = (
    sport: string,
    league: string,
    names: Partial<Pick<SidebarRow, 'sport_names' | 'league_names' | 'region_names'>>,
    region: string | null = null,
  ) =>
    ({
      ...row(sport, league, 1, 0, [], null, region ? [region, region.toUpperCase(), 10] : null),
      next_start: null,
      sport_names: null,
      league_names: null,
      region_names: null,
      ...names,
    }) as SidebarRow;
  // Names as the database gives them: each row repeats its sport's and region's.
  const soccer = { 'en-GB': 'Football', es: 'Fútbol', 'pt-BR': 'Futebol' };
  // Built in each test (not at collection): the mutation tests see which tests reach basisOf().
  const translatedBasis = () =>
    basisOf(
      [
        dbRow('soccer', 'epl', { sport_names: soccer, league_names: { es: 'Premier' }, region_names: { es: 'Inglaterra' } }, 'england'),
        dbRow('soccer', 'mls', { sport_names: soccer }),
        dbRow('basketball', 'nba', { sport_names: { pt: 'Basquetebol', 'pt-BR': 'Basquete' } }),
        dbRow('tennis', 'atp', { sport_names: { pt: 'Ténis' } }),
        // Hostile ids: keys like any other, never a prototype's.
        dbRow('darts', '__proto__', { league_names: { es: 'Proto' } }),
        dbRow('darts', 'toString', {}),
      ],
      { source: 'materialized_view', refreshedAt: new Date('2026-11-26T12:00:00Z'), version: 3 },
    );
  /** [sport, [leagues]] names of a variant. */
  const namesIn = (lang?: string) => {
    const translated = translatedBasis();
    return sidebarOf(JSON.parse(JSON.stringify(translated)) as SidebarBasis, resolveVariant(variantOf({ lang }), translated)).sports.map((s) => [
      s.sport,
      s.leagues.map((l) => [l.league, l.region]),
    ]);
  };

  it('the basis keeps each set of names once, and the languages any name is in', () => {
    const translated = translatedBasis();
    expect(translated.languages).toEqual(['en-GB', 'es', 'pt', 'pt-BR']);
    expect(translated.names.sport.soccer).toEqual(soccer);
    expect(Object.keys(translated.names.league)).toEqual(['epl', '__proto__']);
    expect(translated.rows[0]).not.toHaveProperty('sport_names');
  });

  it('each name in the language asked for, else its prefix, else the default name: a missing translation is never an empty name', () => {
    expect(namesIn('pt-BR')).toEqual([
      [
        'Futebol',
        [
          ['EPL', 'ENGLAND'],
          ['MLS', null],
        ],
      ],
      ['Basquete', [['NBA', null]]],
      ['Ténis', [['ATP', null]]], // no pt-BR name: pt's
      [
        'DARTS',
        [
          ['__PROTO__', null],
          ['TOSTRING', null],
        ],
      ],
    ]);
    expect(namesIn('es')).toEqual([
      [
        'Fútbol',
        [
          ['Premier', 'Inglaterra'],
          ['MLS', null],
        ],
      ],
      ['BASKETBALL', [['NBA', null]]],
      ['TENNIS', [['ATP', null]]],
      [
        'DARTS',
        [
          ['Proto', null],
          ['TOSTRING', null],
        ],
      ],
    ]);
    expect(namesIn('en-GB')[0]?.[0]).toBe('Football');
    expect(namesIn()).toEqual(namesIn('fr')); // no names in French: the default ones
  });

  it('a language resolves to the most specific tag with names; one without any is the default variant (no lang in its key)', () => {
    const translated = translatedBasis();
    expect(resolveLanguage('pt-BR', translated.languages)).toBe('pt-BR');
    expect(resolveLanguage('pt-PT', translated.languages)).toBe('pt');
    expect(resolveLanguage('en-GB', ['en'])).toBe('en');
    expect(resolveLanguage('zh-Hant-TW', ['zh', 'zh-Hant'])).toBe('zh-Hant');
    expect(resolveLanguage('fr', translated.languages)).toBeUndefined();
    expect(variantKey(resolveVariant(variantOf({ lang: 'pt-pt', window: 'live' }), translated))).toBe('window=live&lang=pt');
    expect(variantKey(resolveVariant(variantOf({ lang: 'fr', group: 'region' }), translated))).toBe('group=region');
    expect(resolveVariant(variantOf({ window: 'live' }), translated)).toStrictEqual({ window: 'live' });
    expect(resolveVariant(variantOf({ window: 'live', lang: 'fr' }), translated)).toStrictEqual({ window: 'live' });
    expect(resolveVariant(variantOf({ lang: 'es' }), translated)).toStrictEqual({ window: 'all', lang: 'es' });
  });

  it('tags in their canonical case; anything that is not a tag refused', () => {
    expect(canonicalLanguage('PT-br')).toBe('pt-BR');
    expect(canonicalLanguage('zh-hant-tw')).toBe('zh-Hant-TW');
    expect(variantOf({ lang: 'DE' })).toStrictEqual({ window: 'all', lang: 'de' });
    expect(variantOf({})).toStrictEqual({ window: 'all' });
    for (const bad of ['english', '', 'x', 'pt_BR', 'en-', `en-${'a'.repeat(9)}`, 'en-US-x-private-use', '../etc', 'en-12'])
      expect(isLanguageTag(bad)).toBe(false);
    expect(isLanguageTag('es-419')).toBe(true);
  });
});

describe('jurisdictions', () => {
  // epl: 8 games (3 live), its starts in `basis`. New Jersey hides 3 of them: 1 live, 1 in an hour,
  // the one a second before the 24 hours end; its next start among the rest is at 14:00.
  const hiddenInNj = {
    game_count: 3,
    live_game_count: 1,
    next_start: '2026-11-26T14:00:00Z',
    starts: [[ref + hour, 1] as [number, number], [dayAhead - 1, 1] as [number, number]],
  };
  const ruled = (): SidebarBasis => ({
    ...basis,
    jurisdictions: ['FR', 'GB', 'US-NJ'],
    rows: basis.rows.map((r): BasisRow => {
      if (r.league_id === 'epl') return { ...r, jurisdictions: { 'US-NJ': hiddenInNj } };
      // France hides everything but the EPL; New Jersey all of mls's 4 games (its rules counted them all).
      if (r.league_id === 'mls')
        return { ...r, jurisdictions: { FR: 'hidden', 'US-NJ': { game_count: 4, live_game_count: 0, next_start: null, starts: [[ref + 16 * hour, 1]] } } };
      return { ...r, jurisdictions: { FR: 'hidden' } };
    }),
  });
  const inJurisdiction = (jurisdiction: string, variant: Partial<Variant> = {}) => sidebarOf(ruled(), variantOf({ ...variant, jurisdiction }));

  it('each league less the games the jurisdiction hides: counts, live games, starts and next start; hidden leagues and sports left out; totals recounted', () => {
    expect(summary(inJurisdiction('US-NJ'))).toEqual([
      ['soccer', 5, 2, [['epl', 5, 2, '2026-11-26T14:00:00Z']]],
      ['tennis', 5, 0, [['atp', 5, 0, '2026-11-29T10:00:00Z']]],
      [
        'basketball',
        9,
        3,
        [
          ['nba', 6, 1, '2026-11-26T14:00:00Z'],
          ['euro', 3, 2, '2026-11-30T18:00:00Z'],
        ],
      ],
    ]);
    expect(inJurisdiction('US-NJ').totals).toEqual({ sports: 3, leagues: 4, game_count: 19, live_game_count: 5 });
    expect(summary(inJurisdiction('FR'))).toEqual([['soccer', 8, 3, [['epl', 8, 3, '2026-11-26T13:00:00Z']]]]);
    // A jurisdiction that hides nothing is the full sidebar.
    expect(inJurisdiction('GB')).toEqual(sidebarOf(ruled(), fullSidebar));
  });

  it('variants of one version answer as each would alone: the rows of a jurisdiction in a language are shared by that pair only', () => {
    const named = (): SidebarBasis => ({
      ...ruled(),
      names: { sport: { soccer: { es: 'Fútbol', de: 'Fußball' } }, league: { epl: { es: 'Premier', de: 'Premier League' } }, region: {} },
      languages: ['de', 'es'],
    });
    const pairs: Array<Partial<Variant>> = [
      { jurisdiction: 'US-NJ', lang: 'es' },
      { jurisdiction: 'FR', lang: 'es' },
      { lang: 'es' },
      { jurisdiction: 'US-NJ' },
      { jurisdiction: 'FR', lang: 'de' },
      { jurisdiction: 'FR' },
      { window: 'live', jurisdiction: 'US-NJ', lang: 'es' },
      {},
    ];
    const alone = pairs.map((pair) => deriveSidebar(named(), { window: 'all', ...pair } as Variant));
    const shared = named();
    for (let round = 0; round < 2; round++) expect(pairs.map((pair) => deriveSidebar(shared, { window: 'all', ...pair } as Variant))).toEqual(alone);
    expect(new Set(alone.map((sidebar) => JSON.stringify(sidebar))).size).toBe(pairs.length);
  });

  it('with a window: the starts left are what the window counts', () => {
    // epl in the next 24 hours: 2 live left; of the starts, the passed one and one of the two in an hour (the other is hidden, as is the one a second before the end).
    expect(summary(inJurisdiction('US-NJ', { window: 'next_24h' }))[0]).toEqual(['soccer', 4, 2, [['epl', 4, 2, '2026-11-26T14:00:00Z']]]);
    expect(summary(inJurisdiction('US-NJ', { window: 'live' }))[0]).toEqual(['soccer', 2, 2, [['epl', 2, 2, null]]]);
  });

  it('counts never go below zero where the refresh counted more hidden games than the league holds (time drift)', () => {
    const drifted: SidebarBasis = {
      ...ruled(),
      rows: [{ ...(basis.rows[0] as BasisRow), jurisdictions: { 'US-NJ': { ...hiddenInNj, game_count: 2, live_game_count: 5 } } }],
    };
    expect(summary(sidebarOf(drifted, variantOf({ jurisdiction: 'US-NJ' })))).toEqual([['soccer', 6, 0, [['epl', 6, 0, '2026-11-26T14:00:00Z']]]]);
    const more: SidebarBasis = { ...drifted, rows: [{ ...(basis.rows[0] as BasisRow), jurisdictions: { 'US-NJ': { ...hiddenInNj, game_count: 9 } } }] };
    expect(sidebarOf(more, variantOf({ jurisdiction: 'US-NJ' })).sports).toEqual([]);
    const live: SidebarBasis = {
      ...drifted,
      rows: [{ ...(basis.rows[0] as BasisRow), jurisdictions: { 'US-NJ': { ...hiddenInNj, game_count: 7, live_game_count: 0 } } }],
    };
    expect(summary(sidebarOf(live, variantOf({ jurisdiction: 'US-NJ' })))).toEqual([['soccer', 1, 1, [['epl', 1, 1, '2026-11-26T14:00:00Z']]]]);
  });

  it('starts: hidden games are taken from those at the same second (a second may have two entries); starts left with none are dropped', () => {
    const row = {
      ...(basis.rows[0] as BasisRow),
      game_count: 10,
      live_game_count: 0,
      starts: [
        [ref + hour, 2],
        [ref + hour, 1],
        [ref + 2 * hour, 1],
        [dayAhead + hour, 4],
      ] as Array<[number, number]>,
    };
    const withHidden = (starts: Array<[number, number]>): SidebarBasis => ({
      ...ruled(),
      rows: [{ ...row, jurisdictions: { 'US-NJ': { game_count: 2, live_game_count: 0, next_start: null, starts } } }],
    });
    const next24h = (b: SidebarBasis) => summary(sidebarOf(b, variantOf({ jurisdiction: 'US-NJ', window: 'next_24h' })))[0]?.[1];
    // Within 24 hours: 3 at ref + 1 h and 1 at ref + 2 h, less 1 and 1.
    expect(
      next24h(
        withHidden([
          [ref + hour, 1],
          [ref + 2 * hour, 1],
        ]),
      ),
    ).toBe(2);
    expect(next24h(withHidden([[ref + hour, 3]]))).toBe(1);
    // A start taken to zero is dropped, not left to end the window's count early.
    expect(
      next24h(
        withHidden([
          [ref + hour, 3],
          [ref + 2 * hour, 1],
        ]),
      ),
    ).toBeUndefined();
    expect(next24h(withHidden([]))).toBe(4);
    // A hidden start the league's starts lack (time drift) takes nothing off the window.
    expect(next24h(withHidden([[ref + 5 * hour, 1]]))).toBe(4);
    const soon: SidebarBasis = {
      ...ruled(),
      rows: [
        {
          ...row,
          starts: [[ref + hour, 3]],
          jurisdictions: { 'US-NJ': { game_count: 1, live_game_count: 0, next_start: null, starts: [[ref + 5 * hour, 1]] } },
        },
      ],
    };
    expect(next24h(soon)).toBe(3);
  });

  it('a jurisdiction the basis does not know is refused with the known ones; over a basis without rows, any is the empty sidebar', () => {
    expect(() => resolveVariant(variantOf({ jurisdiction: 'de' }), ruled())).toThrow(new UnknownJurisdictionError('DE', ['FR', 'GB', 'US-NJ']));
    expect(new UnknownJurisdictionError('DE', ['FR', 'GB']).message).toBe('querystring/jurisdiction must be one of the known jurisdictions: FR, GB');
    expect(new UnknownJurisdictionError('DE', []).message).toBe('querystring/jurisdiction must be one of the known jurisdictions: (none configured)');
    expect(resolveVariant(variantOf({ jurisdiction: 'us-nj', window: 'live' }), ruled())).toStrictEqual({ window: 'live', jurisdiction: 'US-NJ' });
    const empty: SidebarBasis = { ...ruled(), rows: [], jurisdictions: [] };
    expect(resolveVariant(variantOf({ jurisdiction: 'DE' }), empty)).toStrictEqual({ window: 'all', jurisdiction: 'DE' });
    expect(sidebarOf(empty, variantOf({ jurisdiction: 'DE' })).sports).toEqual([]);
    // A basis whose rows name no jurisdiction knows none.
    expect(() => resolveVariant(variantOf({ jurisdiction: 'GB' }), { ...basis, jurisdictions: [] })).toThrow(UnknownJurisdictionError);
  });

  it('a variant key and tag name the jurisdiction last, upper case', () => {
    expect(variantOf({ jurisdiction: 'us-nj' })).toStrictEqual({ window: 'all', jurisdiction: 'US-NJ' });
    expect(variantKey(variantOf({ jurisdiction: 'fr', lang: 'es', group: 'region', window: 'live' }))).toBe('window=live&group=region&lang=es&jurisdiction=FR');
  });

  it("the basis keeps per row only the jurisdictions that hide something, each hidden league's next start in ISO seconds, and the list of them all", () => {
    const dbRow = (league: string, jurisdictions: SidebarRow['jurisdictions']) =>
      ({ ...row('soccer', league, 5, 1, [], null), next_start: null, sport_names: null, league_names: null, region_names: null, jurisdictions }) as SidebarRow;
    const b = basisOf(
      [
        dbRow('epl', { GB: null, 'US-NJ': { game_count: 1, live_game_count: 0, next_start: at('2026-11-26T14:00:00Z'), starts: [[ref, 1]] }, FR: null }),
        dbRow('mls', { GB: null, 'US-NJ': { game_count: 1, live_game_count: 0, next_start: null, starts: [] }, FR: 'hidden' }),
      ],
      { source: 'materialized_view', refreshedAt: null, version: 3 },
    );
    expect(b.jurisdictions).toEqual(['FR', 'GB', 'US-NJ']);
    expect(b.rows.map((r) => r.jurisdictions)).toEqual([
      { 'US-NJ': { game_count: 1, live_game_count: 0, next_start: '2026-11-26T14:00:00Z', starts: [[ref, 1]] } },
      { 'US-NJ': { game_count: 1, live_game_count: 0, next_start: null, starts: [] }, FR: 'hidden' },
    ]);
  });
});

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

describe('variant store', () => {
  const policy = { cacheControl: 'public', vary: 'accept-encoding', surrogateKeys: [] };
  const snapshotOf = (body: string) => buildSnapshot(body, policy);
  // The store never looks inside the basis: the builder above does.
  const baseOf = (body: string): VariantBase => ({ snapshot: snapshotOf(body), basis: { ...basis, rows: [] } });
  function setup(max = 2) {
    const build = vi.fn((base: VariantBase, _variant: unknown, key: string) => (key === '' ? base.snapshot : snapshotOf(`${base.snapshot.identity}|${key}`)));
    return { store: createVariantStore({ max, build }), build };
  }

  it('builds a variant once per full snapshot, and again for a new one; the hot path finds it by the URL the route answered', () => {
    const { store, build } = setup();
    const v1 = baseOf('v1');
    store.get(v1, { window: 'live' }); // no URL: none remembered
    expect(store.size()).toEqual({ variants: 1, urls: 0 });
    const live = store.get(v1, { window: 'live' }, '/s?window=live');
    expect(live.identity.toString()).toBe('v1|window=live');
    expect(store.get(v1, { window: 'live' }, '/s?window=live&x=1')).toBe(live); // an alias: same bytes
    expect(build).toHaveBeenCalledTimes(1);
    expect(store.peek('/s?window=live', v1.snapshot)).toBe(live);
    expect(store.peek('/s?window=live&x=1', v1.snapshot)).toBe(live);
    expect(store.peek('/s?window=other', v1.snapshot)).toBeNull(); // never answered
    const v2 = baseOf('v2');
    expect(store.peek('/s?window=live', v2.snapshot)).toBeNull(); // derived from v1: not for v2
    expect(store.get(v2, { window: 'live' }).identity.toString()).toBe('v2|window=live');
    expect(build).toHaveBeenCalledTimes(2);
    expect(store.peek('/s?window=live', v2.snapshot)?.identity.toString()).toBe('v2|window=live');
    expect(store.get(v2, { window: 'all' }, '/s?window=all')).toBe(v2.snapshot); // the full sidebar, under a URL of its own
    expect(store.peek('/s?window=all', v2.snapshot)).toBe(v2.snapshot);
  });

  it('a full store drops the least recently built or used variant, not the last one', () => {
    const v1 = baseOf('v1');
    const w = (name: string) => ({ window: name as 'live' });
    const built = setup(2);
    built.store.get(v1, w('a'), '/a');
    built.store.get(v1, w('b'), '/b');
    built.store.get(v1, w('c'), '/c'); // a is the oldest
    expect([built.store.peek('/a', v1.snapshot), built.store.peek('/b', v1.snapshot), built.store.peek('/c', v1.snapshot)].map((s) => s !== null)).toEqual([
      false,
      true,
      true,
    ]);
    const used = setup(2);
    used.store.get(v1, w('a'), '/a');
    used.store.get(v1, w('b'), '/b');
    used.store.peek('/b', v1.snapshot);
    used.store.get(v1, w('c'), '/c'); // a is still the oldest, b the last inserted
    expect([used.store.peek('/a', v1.snapshot), used.store.peek('/b', v1.snapshot), used.store.peek('/c', v1.snapshot)].map((s) => s !== null)).toEqual([
      false,
      true,
      true,
    ]);
  });

  it('keeps at most `max` variants, dropping the least recently used (a hot-path hit counts as a use); URLs up to 4 × max', () => {
    const { store } = setup(2);
    const v1 = baseOf('v1');
    store.get(v1, { window: 'live' }, '/a');
    store.get(v1, { window: 'all' }, '/b');
    store.peek('/a', v1.snapshot); // live is now the most recent
    store.get(v1, { window: 'other' as 'live' }, '/c'); // a third: evicts 'all'
    expect(store.size().variants).toBe(2);
    expect(store.peek('/b', v1.snapshot)).toBeNull();
    expect(store.peek('/a', v1.snapshot)).not.toBeNull();
    for (let i = 0; i < 20; i++) store.get(v1, { window: 'live' }, `/a?${i}`);
    expect(store.size().urls).toBe(8);
    expect(store.peek('/a?19', v1.snapshot)).not.toBeNull();
    expect(store.peek('/a?0', v1.snapshot)).toBeNull(); // the oldest URLs forgotten
    store.get(v1, { window: 'live' }, '/a?12'); // answered again: the most recent
    for (let i = 20; i < 27; i++) store.get(v1, { window: 'live' }, `/a?${i}`);
    expect(store.peek('/a?12', v1.snapshot)).not.toBeNull();
    expect(store.peek('/a?13', v1.snapshot)).toBeNull();
    store.get(v1, { window: 'live' }); // no URL: nothing remembered
    expect(store.size().urls).toBe(8);
  });
});
