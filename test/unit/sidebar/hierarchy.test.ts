import { describe, expect, it } from 'vitest';
import { basisOf, buildSidebar, maxLeaguesPerSport, parseBasis } from '../../../src/sidebar/hierarchy.js';
import type { SidebarRow } from '../../../src/sidebar/repository.js';

function row(overrides: Partial<SidebarRow>): SidebarRow {
  return {
    sport_id: 'basketball',
    sport: 'Basketball',
    sport_icon: '🏀',
    sport_priority: 20,
    league_id: 'nba',
    league: 'NBA',
    league_icon: null,
    league_priority: 10,
    game_count: 1,
    live_game_count: 0,
    next_start: null,
    sport_rank: 1,
    league_rank: 1,
    starts: [],
    region_id: null,
    region: null,
    region_priority: null,
    sport_names: null,
    league_names: null,
    region_names: null,
    jurisdictions: {},
    ...overrides,
  };
}

/** The sidebar of rows, through their basis, as the service builds it. */
const build = (rows: SidebarRow[], meta: Parameters<typeof basisOf>[1]) => buildSidebar(basisOf(rows, meta));

describe('buildSidebar', () => {
  const rows = [
    row({
      sport_id: 'soccer',
      sport: 'Soccer',
      sport_icon: '⚽',
      sport_priority: 50,
      league_id: 'mls',
      league: 'MLS',
      sport_rank: 2,
      league_rank: 2,
      game_count: 3,
      live_game_count: 1,
    }),
    row({ league_id: 'wnba', league: 'WNBA', league_rank: 2, game_count: 4, live_game_count: 2, next_start: new Date('2026-01-02T03:04:05.678Z') }),
    row({
      sport_id: 'soccer',
      sport: 'Soccer',
      sport_icon: '⚽',
      sport_priority: 50,
      league_id: 'epl',
      league: 'EPL',
      sport_rank: 2,
      league_rank: 1,
      game_count: 5,
    }),
    row({ game_count: 6, live_game_count: 1 }),
  ];

  it('groups leagues under their sport in rank order, whatever order the rows come in', () => {
    const sidebar = build(rows, { source: 'materialized_view', refreshedAt: null, version: 3 });
    expect(sidebar.sports.map((s) => [s.sport_id, s.leagues.map((l) => l.league_id)])).toEqual([
      ['basketball', ['nba', 'wnba']],
      ['soccer', ['epl', 'mls']],
    ]);
  });

  it("makes a sport's counts the sum of its leagues' and totals the sum of everything", () => {
    const sidebar = build(rows, { source: 'fallback', refreshedAt: null, version: null });
    expect(sidebar.sports.map((s) => [s.game_count, s.live_game_count])).toEqual([
      [10, 3],
      [8, 1],
    ]);
    expect(sidebar.totals).toEqual({ sports: 2, leagues: 4, game_count: 18, live_game_count: 4 });
    expect(sidebar.source).toBe('fallback');
  });

  it('carries icons and priorities, and writes times as ISO 8601 to the second', () => {
    const sidebar = build(rows, { source: 'materialized_view', refreshedAt: new Date('2026-11-25T10:00:00.999Z'), version: 3 });
    expect(sidebar.refreshed_at).toBe('2026-11-25T10:00:00Z');
    expect(sidebar.sports[0]).toMatchObject({ sport: 'Basketball', icon: '🏀', priority: 20 });
    expect(sidebar.sports[0]?.leagues[1]).toEqual({
      league_id: 'wnba',
      league: 'WNBA',
      icon: null,
      priority: 10,
      game_count: 4,
      live_game_count: 2,
      next_start: '2026-01-02T03:04:05Z',
      region: null,
    });
  });

  it('builds an empty sidebar from no rows, saying which version it is', () => {
    expect(build([], { source: 'materialized_view', refreshedAt: null, version: 3 })).toEqual({
      sports: [],
      totals: { sports: 0, leagues: 0, game_count: 0, live_game_count: 0 },
      refreshed_at: null,
      source: 'materialized_view',
      version: 3,
    });
  });

  it('lists at most 100 leagues under a sport, the first in order, marks it truncated, and keeps its counts whole', () => {
    const many = Array.from({ length: 150 }, (_, i) => row({ league_id: `l${i}`, league: `League ${i}`, league_rank: i + 1, game_count: 2 }));
    const sidebar = build([...many, row({ sport_id: 'chess', sport: 'Chess', sport_rank: 2 })], { source: 'materialized_view', refreshedAt: null, version: 3 });
    const [basketball, chess] = sidebar.sports;
    expect(basketball?.leagues).toHaveLength(maxLeaguesPerSport);
    expect(basketball?.leagues.at(-1)?.league_id).toBe('l99');
    expect(basketball).toMatchObject({ truncated: true, game_count: 300 });
    expect(chess).not.toHaveProperty('truncated');
    expect(sidebar.totals).toMatchObject({ leagues: 151, game_count: 301 });
  });
});

describe('parseBasis', () => {
  const basis = basisOf([row({ jurisdictions: { FR: 'hidden', GB: null } })], {
    source: 'materialized_view',
    refreshedAt: new Date('2026-11-26T12:00:00Z'),
    version: 3,
  });

  it('reads a basis as basisOf() wrote it', () => {
    expect(parseBasis(JSON.stringify(basis))).toEqual(basis);
  });

  it('refuses anything else, naming where it is wrong', () => {
    expect(() => parseBasis('null')).toThrow(new Error('not a sidebar basis: / Expected object'));
    expect(() => parseBasis(JSON.stringify({ ...basis, source: undefined }))).toThrow(new Error('not a sidebar basis: /source Expected required property'));
    const { starts: _starts, ...rowWithout } = basis.rows[0] as (typeof basis.rows)[number];
    expect(() => parseBasis(JSON.stringify({ ...basis, rows: [rowWithout] }))).toThrow(
      new Error('not a sidebar basis: /rows/0/starts Expected required property'),
    );
    // A basis of the shape before jurisdictions (cache schema v3), or a jurisdiction hiding what is not a count.
    const { jurisdictions: _jurisdictions, ...older } = basis;
    expect(() => parseBasis(JSON.stringify(older))).toThrow(new Error('not a sidebar basis: /jurisdictions Expected required property'));
    const hidden = { ...basis.rows[0], jurisdictions: { FR: 'all' } };
    expect(() => parseBasis(JSON.stringify({ ...basis, rows: [hidden] }))).toThrow(/^not a sidebar basis: \/rows\/0\/jurisdictions\/FR /);
    expect(() => parseBasis('{"rows":')).toThrow(SyntaxError);
  });
});
