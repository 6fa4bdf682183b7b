import { describe, expect, it, vi } from 'vitest';
import type { Sidebar } from '../../src/contract/index.js';
import { buildSnapshot, type Snapshot } from '../../src/sidebar/snapshot.js';
import { createVariantStore, deriveSidebar, variantKey } from '../../src/sidebar/variants.js';

const league = (id: string, games: number, live: number, next: string | null = '2026-11-26T20:00:00Z') => ({
  league_id: id,
  league: id.toUpperCase(),
  icon: null,
  priority: null,
  game_count: games,
  live_game_count: live,
  next_start: next,
});

const full: Sidebar = {
  sports: [
    { sport_id: 'soccer', sport: 'Soccer', icon: '⚽', priority: 1, game_count: 12, live_game_count: 3, leagues: [league('epl', 8, 3), league('mls', 4, 0)] },
    { sport_id: 'tennis', sport: 'Tennis', icon: null, priority: 2, game_count: 5, live_game_count: 0, leagues: [league('atp', 5, 0)] },
    {
      sport_id: 'basketball',
      sport: 'Basketball',
      icon: null,
      priority: null,
      game_count: 9,
      live_game_count: 4,
      leagues: [league('nba', 6, 1), league('euro', 3, 2)],
      truncated: true,
    },
  ],
  totals: { sports: 3, leagues: 6, game_count: 26, live_game_count: 7 },
  refreshed_at: '2026-11-26T12:00:00Z',
  source: 'materialized_view',
};

describe('deriveSidebar', () => {
  it('window=all is the full sidebar itself', () => {
    expect(deriveSidebar(full, { window: 'all' })).toBe(full);
    expect(variantKey({ window: 'all' })).toBe('');
  });

  it('window=live: only sports and leagues with live games, in the same order, their live games as their games, no next start; totals recounted', () => {
    const before = structuredClone(full);
    const live = deriveSidebar(full, { window: 'live' });
    expect(variantKey({ window: 'live' })).toBe('window=live');
    expect(
      live.sports.map((s) => [s.sport_id, s.game_count, s.live_game_count, s.leagues.map((l) => [l.league_id, l.game_count, l.live_game_count, l.next_start])]),
    ).toEqual([
      ['soccer', 3, 3, [['epl', 3, 3, null]]],
      // The sport's own counts (which include leagues a truncated list does not show), its flag kept.
      [
        'basketball',
        4,
        4,
        [
          ['nba', 1, 1, null],
          ['euro', 2, 2, null],
        ],
      ],
    ]);
    expect(live.sports[1]?.truncated).toBe(true);
    expect(live.sports[0]).toMatchObject({ sport: 'Soccer', icon: '⚽', priority: 1 });
    expect(live.totals).toEqual({ sports: 2, leagues: 3, game_count: 7, live_game_count: 7 });
    expect(live).toMatchObject({ refreshed_at: full.refreshed_at, source: full.source });
    expect(full).toEqual(before); // not changed
  });

  it('window=live with nothing live is an empty sidebar', () => {
    const quiet = { ...full, sports: [full.sports[1] as Sidebar['sports'][number]] };
    expect(deriveSidebar(quiet, { window: 'live' })).toMatchObject({ sports: [], totals: { sports: 0, leagues: 0, game_count: 0, live_game_count: 0 } });
  });
});

describe('variant store', () => {
  const policy = { cacheControl: 'public', vary: 'accept-encoding', surrogateKeys: [] };
  const snapshotOf = (body: string) => buildSnapshot(body, policy);
  function setup(max = 2) {
    const build = vi.fn((base: Snapshot, _variant: unknown, key: string) => (key === '' ? base : snapshotOf(`${base.identity}|${key}`)));
    return { store: createVariantStore({ max, build }), build };
  }

  it('builds a variant once per full snapshot, and again for a new one; the hot path finds it by the URL the route answered', () => {
    const { store, build } = setup();
    const v1 = snapshotOf('v1');
    store.get(v1, { window: 'live' }); // no URL: none remembered
    expect(store.size()).toEqual({ variants: 1, urls: 0 });
    const live = store.get(v1, { window: 'live' }, '/s?window=live');
    expect(live.identity.toString()).toBe('v1|window=live');
    expect(store.get(v1, { window: 'live' }, '/s?window=live&x=1')).toBe(live); // an alias: same bytes
    expect(build).toHaveBeenCalledTimes(1);
    expect(store.peek('/s?window=live', v1)).toBe(live);
    expect(store.peek('/s?window=live&x=1', v1)).toBe(live);
    expect(store.peek('/s?window=other', v1)).toBeNull(); // never answered
    const v2 = snapshotOf('v2');
    expect(store.peek('/s?window=live', v2)).toBeNull(); // derived from v1: not for v2
    expect(store.get(v2, { window: 'live' }).identity.toString()).toBe('v2|window=live');
    expect(build).toHaveBeenCalledTimes(2);
    expect(store.peek('/s?window=live', v2)?.identity.toString()).toBe('v2|window=live');
    expect(store.get(v2, { window: 'all' }, '/s?window=all')).toBe(v2); // the full sidebar, under a URL of its own
    expect(store.peek('/s?window=all', v2)).toBe(v2);
  });

  it('a full store drops the least recently built or used variant, not the last one', () => {
    const v1 = snapshotOf('v1');
    const w = (name: string) => ({ window: name as 'live' });
    const built = setup(2);
    built.store.get(v1, w('a'), '/a');
    built.store.get(v1, w('b'), '/b');
    built.store.get(v1, w('c'), '/c'); // a is the oldest
    expect([built.store.peek('/a', v1), built.store.peek('/b', v1), built.store.peek('/c', v1)].map((s) => s !== null)).toEqual([false, true, true]);
    const used = setup(2);
    used.store.get(v1, w('a'), '/a');
    used.store.get(v1, w('b'), '/b');
    used.store.peek('/b', v1);
    used.store.get(v1, w('c'), '/c'); // a is still the oldest, b the last inserted
    expect([used.store.peek('/a', v1), used.store.peek('/b', v1), used.store.peek('/c', v1)].map((s) => s !== null)).toEqual([false, true, true]);
  });

  it('keeps at most `max` variants, dropping the least recently used (a hot-path hit counts as a use); URLs up to 4 × max', () => {
    const { store } = setup(2);
    const v1 = snapshotOf('v1');
    store.get(v1, { window: 'live' }, '/a');
    store.get(v1, { window: 'all' }, '/b');
    store.peek('/a', v1); // live is now the most recent
    store.get(v1, { window: 'other' as 'live' }, '/c'); // a third: evicts 'all'
    expect(store.size().variants).toBe(2);
    expect(store.peek('/b', v1)).toBeNull();
    expect(store.peek('/a', v1)).not.toBeNull();
    for (let i = 0; i < 20; i++) store.get(v1, { window: 'live' }, `/a?${i}`);
    expect(store.size().urls).toBe(8);
    expect(store.peek('/a?19', v1)).not.toBeNull();
    expect(store.peek('/a?0', v1)).toBeNull(); // the oldest URLs forgotten
    store.get(v1, { window: 'live' }, '/a?12'); // answered again: the most recent
    for (let i = 20; i < 27; i++) store.get(v1, { window: 'live' }, `/a?${i}`);
    expect(store.peek('/a?12', v1)).not.toBeNull();
    expect(store.peek('/a?13', v1)).toBeNull();
    store.get(v1, { window: 'live' }); // no URL: nothing remembered
    expect(store.size().urls).toBe(8);
  });
});
