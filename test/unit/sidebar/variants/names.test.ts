import { describe, expect, it } from 'vitest';
import { basisOf, type SidebarBasis } from '../../../../src/sidebar/hierarchy.js';
import type { SidebarRow } from '../../../../src/sidebar/repository.js';
import { canonicalLanguage, isLanguageTag, resolveLanguage } from '../../../../src/sidebar/variants/names.js';
import { resolveVariant, variantKey, variantOf } from '../../../../src/sidebar/variants/query.js';
import { row, sidebarOf } from './basis.js';

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
