import { describe, expect, it, vi } from 'vitest';
import type { RegionSidebar, Sidebar } from '../../../../src/contract/index.js';
import type { SidebarBasis } from '../../../../src/sidebar/hierarchy.js';
import { deriveSidebar } from '../../../../src/sidebar/variants/derive.js';
import { variantKey, variantOf } from '../../../../src/sidebar/variants/query.js';
import { basis, dayAhead, derive, hour, ref, row, sidebarOf, summary } from './basis.js';

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
