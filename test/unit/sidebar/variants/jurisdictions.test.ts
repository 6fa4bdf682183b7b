import { describe, expect, it } from 'vitest';
import { type BasisRow, basisOf, type SidebarBasis } from '../../../../src/sidebar/hierarchy.js';
import type { SidebarRow } from '../../../../src/sidebar/repository.js';
import { deriveSidebar } from '../../../../src/sidebar/variants/derive.js';
import { UnknownJurisdictionError } from '../../../../src/sidebar/variants/jurisdictions.js';
import { fullSidebar, resolveVariant, type Variant, variantKey, variantOf } from '../../../../src/sidebar/variants/query.js';
import { at, basis, dayAhead, hour, ref, row, sidebarOf, summary } from './basis.js';

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
