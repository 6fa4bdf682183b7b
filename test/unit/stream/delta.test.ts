import { applyRegionSidebarDelta, applySidebarDelta } from '@sportsbook/sidebar-client';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { League, Region, RegionSidebar, Sidebar, Sport } from '../../../src/contract/index.js';
import { regionSidebarDelta, sidebarDelta } from '../../../src/stream/delta.js';

/** Leagues and sports drawn from small id pools, so two sidebars share, gain and lose some. */
const league = (id: string) =>
  fc.record({
    league_id: fc.constant(id),
    league: fc.constantFrom(id.toUpperCase(), `${id} League`),
    icon: fc.constantFrom(null, 'ball'),
    priority: fc.constantFrom(null, 1, 2),
    game_count: fc.nat(5),
    live_game_count: fc.nat(2),
    next_start: fc.constantFrom(null, '2026-11-26T10:00:00Z', '2026-11-26T12:00:00Z'),
    region: fc.constantFrom(null, 'England', 'International'),
  }) as fc.Arbitrary<League>;
const sport = (id: string): fc.Arbitrary<Sport> =>
  fc
    .record({
      sport: fc.constantFrom(id, id.toUpperCase()),
      icon: fc.constantFrom(null, 'icon'),
      priority: fc.constantFrom(null, 1, 2),
      game_count: fc.nat(20),
      live_game_count: fc.nat(5),
      leagueIds: fc.shuffledSubarray(['l1', 'l2', 'l3', 'l4'], { minLength: 1 }),
      truncated: fc.boolean(),
    })
    .chain(({ leagueIds, truncated, ...fields }) =>
      fc.tuple(...leagueIds.map(league)).map((leagues) => ({ sport_id: id, ...fields, leagues, ...(truncated ? { truncated: true as const } : {}) })),
    );
const sidebar: fc.Arbitrary<Sidebar> = fc
  .record({
    sportIds: fc.shuffledSubarray(['s1', 's2', 's3', 's4', 's5']),
    refreshed_at: fc.constantFrom(null, '2026-11-26T09:00:00Z', '2026-11-26T09:00:01Z'),
    source: fc.constantFrom('materialized_view' as const, 'fallback' as const),
    version: fc.integer({ min: 1, max: 1000 }),
  })
  .chain(({ sportIds, refreshed_at, source, version }) =>
    fc.tuple(...sportIds.map(sport)).map((sports) => ({
      sports,
      totals: {
        sports: sports.length,
        leagues: sports.reduce((n, s) => n + s.leagues.length, 0),
        game_count: sports.reduce((n, s) => n + s.game_count, 0),
        live_game_count: sports.reduce((n, s) => n + s.live_game_count, 0),
      },
      refreshed_at,
      source,
      version,
    })),
  );

/** The delta as the stream sends it: with the version it leads to (the next sidebar's). */
const toward = <D>(delta: D, next: { version: number | null }) => ({ ...delta, to: next.version as number });

/** Soccer with two leagues in two regions, and darts marked truncated. */
const base: Sidebar = {
  sports: [
    {
      sport_id: 'soccer',
      sport: 'Soccer',
      icon: null,
      priority: 1,
      game_count: 3,
      live_game_count: 1,
      leagues: [
        { league_id: 'epl', league: 'EPL', icon: null, priority: 1, game_count: 2, live_game_count: 1, next_start: null, region: 'England' },
        { league_id: 'mls', league: 'MLS', icon: null, priority: 2, game_count: 1, live_game_count: 0, next_start: null, region: 'USA' },
      ],
    },
    { sport_id: 'darts', sport: 'Darts', icon: null, priority: null, game_count: 1, live_game_count: 0, leagues: [], truncated: true },
  ],
  totals: { sports: 2, leagues: 2, game_count: 4, live_game_count: 1 },
  refreshed_at: '2026-11-26T09:00:00Z',
  source: 'materialized_view',
  version: 7,
};

describe('sidebar deltas', () => {
  it('applying the delta from one sidebar to the next gives exactly the next, bytes and all', () => {
    fc.assert(
      fc.property(sidebar, sidebar, (prev, next) => {
        const applied = applySidebarDelta(prev, toward(sidebarDelta(prev, next), next));
        expect(applied).toEqual(next);
        expect(JSON.stringify(applied)).toBe(JSON.stringify(next));
      }),
      { numRuns: 500 },
    );
  });

  it('a chain of deltas replayed from the first sidebar ends at the last', () => {
    fc.assert(
      fc.property(fc.array(sidebar, { minLength: 2, maxLength: 6 }), (versions) => {
        let held = versions[0] as Sidebar;
        for (let i = 1; i < versions.length; i++)
          held = applySidebarDelta(held, toward(sidebarDelta(versions[i - 1] as Sidebar, versions[i] as Sidebar), versions[i] as Sidebar));
        expect(held).toEqual(versions.at(-1));
      }),
      { numRuns: 200 },
    );
  });

  it('a sidebar against itself: nothing added or changed', () => {
    fc.assert(
      fc.property(sidebar, (s) => {
        const delta = sidebarDelta(s, structuredClone(s));
        expect(delta.added).toEqual([]);
        expect(delta.changed).toEqual([]);
        expect(delta.order).toEqual(s.sports.map((x) => x.sport_id));
      }),
    );
  });

  it('sends only what changed: a count, a league, the truncation mark', () => {
    const next = structuredClone(base);
    const soccer = next.sports[0] as Sport;
    soccer.live_game_count = 2;
    (soccer.leagues[0] as League).live_game_count = 2;
    delete (next.sports[1] as Sport).truncated;
    expect(applySidebarDelta(base, toward(sidebarDelta(base, next), next))).toEqual(next);
    expect(sidebarDelta(base, next)).toEqual({
      order: ['soccer', 'darts'],
      added: [],
      changed: [
        { sport_id: 'soccer', set: { live_game_count: 2 }, leagues: { order: ['epl', 'mls'], upsert: [soccer.leagues[0]] } },
        { sport_id: 'darts', set: { truncated: null } },
      ],
      totals: base.totals,
      refreshed_at: base.refreshed_at,
      source: 'materialized_view',
    });
  });

  it.each([
    ['a league renamed', (s: Sidebar) => (((s.sports[0] as Sport).leagues[1] as League).league = 'Major League Soccer')],
    ['a league icon', (s: Sidebar) => (((s.sports[0] as Sport).leagues[1] as League).icon = 'mls')],
    ['a league priority', (s: Sidebar) => (((s.sports[0] as Sport).leagues[1] as League).priority = 9)],
    ['a league count', (s: Sidebar) => (((s.sports[0] as Sport).leagues[1] as League).game_count = 7)],
    ['a league next start', (s: Sidebar) => (((s.sports[0] as Sport).leagues[1] as League).next_start = '2026-11-27T00:00:00Z')],
    ['a league region', (s: Sidebar) => (((s.sports[0] as Sport).leagues[1] as League).region = 'United States')],
    ['leagues reordered', (s: Sidebar) => (s.sports[0] as Sport).leagues.reverse()],
    ['the last league gone', (s: Sidebar) => (s.sports[0] as Sport).leagues.pop()],
    ['the first league gone', (s: Sidebar) => (s.sports[0] as Sport).leagues.shift()],
    ['a sport renamed', (s: Sidebar) => ((s.sports[0] as Sport).sport = 'Football')],
    ['sports reordered', (s: Sidebar) => s.sports.reverse()],
  ])('%s, and nothing else: the delta carries it', (_what, change) => {
    const next = structuredClone(base);
    change(next);
    const delta = sidebarDelta(base, next);
    expect(delta.changed.length + delta.added.length > 0 || delta.order.join() !== base.sports.map((x) => x.sport_id).join()).toBe(true);
    expect(applySidebarDelta(base, toward(delta, next))).toEqual(next);
  });

  it('a delta that does not fit the sidebar held is an error asking to resynchronise, not a wrong sidebar', () => {
    const empty: Sidebar = {
      sports: [],
      totals: { sports: 0, leagues: 0, game_count: 0, live_game_count: 0 },
      refreshed_at: null,
      source: 'fallback',
      version: 1,
    };
    const delta = { order: ['x'], added: [], changed: [], totals: empty.totals, refreshed_at: null, source: 'fallback' as const, to: 2 };
    expect(() => applySidebarDelta(empty, delta)).toThrow(/resynchronise/);
    expect(() => applySidebarDelta(empty, { ...delta, changed: [{ sport_id: 'x' }] })).toThrow(/resynchronise/);
    const one = { ...empty, sports: [{ ...(base.sports[1] as Sport) }] };
    const unknownLeague = { ...delta, order: ['darts'], changed: [{ sport_id: 'darts', leagues: { order: ['nope'], upsert: [] } }] };
    expect(() => applySidebarDelta(one, unknownLeague)).toThrow('delta orders league nope of darts, which it does not carry: resynchronise');
  });
});

/** A sidebar grouped by its leagues' regions (the shape of group=region; counts summed per region). */
function grouped(sidebar: Sidebar): RegionSidebar {
  return {
    ...sidebar,
    sports: sidebar.sports.map(({ leagues, truncated, ...sport }) => {
      const regions = new Map<string | null, Region>();
      for (const league of leagues) {
        let region = regions.get(league.region);
        if (!region) {
          region = { region_id: league.region?.toLowerCase() ?? null, region: league.region, priority: null, game_count: 0, live_game_count: 0, leagues: [] };
          regions.set(league.region, region);
        }
        region.game_count += league.game_count;
        region.live_game_count += league.live_game_count;
        region.leagues.push(league);
      }
      return { ...sport, regions: [...regions.values()], ...(truncated ? { truncated } : {}) };
    }),
  };
}
const regionSidebar = sidebar.map(grouped);

describe('group=region deltas', () => {
  it('applying the delta from one grouped sidebar to the next gives exactly the next, bytes and all', () => {
    fc.assert(
      fc.property(regionSidebar, regionSidebar, (prev, next) => {
        const applied = applyRegionSidebarDelta(prev, toward(regionSidebarDelta(prev, next), next));
        expect(JSON.stringify(applied)).toBe(JSON.stringify(next));
      }),
      { numRuns: 500 },
    );
  });

  it('sends whole only the sports new or changed in any way (a league deep in a region), and the new order', () => {
    fc.assert(
      fc.property(regionSidebar, (s) => {
        const delta = regionSidebarDelta(s, structuredClone(s));
        expect(delta).toMatchObject({ added: [], changed: [], order: s.sports.map((x) => x.sport_id), totals: s.totals });
      }),
    );
    const before = grouped(base);
    const next = structuredClone(before);
    const soccer = next.sports[0] as RegionSidebar['sports'][number];
    ((soccer.regions[1] as Region).leagues[0] as League).next_start = '2026-11-27T00:00:00Z';
    next.sports.reverse();
    expect(applyRegionSidebarDelta(before, toward(regionSidebarDelta(before, next), next))).toEqual(next);
    expect(regionSidebarDelta(before, next)).toEqual({
      order: ['darts', 'soccer'],
      added: [soccer],
      changed: [],
      totals: base.totals,
      refreshed_at: base.refreshed_at,
      source: 'materialized_view',
    });
  });

  it('a delta ordering a sport it does not carry is an error asking to resynchronise', () => {
    const delta = toward(regionSidebarDelta(grouped(base), grouped(base)), base);
    expect(() => applyRegionSidebarDelta({ ...grouped(base), sports: [] }, delta)).toThrow('delta orders sport soccer, which it does not carry: resynchronise');
  });
});
