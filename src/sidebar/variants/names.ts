import { languageTagPattern } from '../../contract/index.js';
import type { BasisRow, SidebarBasis } from '../hierarchy.js';

/*
 * Names per language: ?lang= picks, name by name, the most specific of the tag and its prefixes
 * that the refresh has a name in (sidebar_names), else the default name.
 */

// The shape names are kept in (sidebar_names.lang), in any case: ?lang=PT-br is pt-BR.
const languageTag = new RegExp(languageTagPattern, 'i');

/** A BCP 47 tag in its canonical case (pt-br: pt-BR), or null when it is not one. */
export function canonicalLanguage(tag: string): string | null {
  if (!languageTag.test(tag)) return null;
  try {
    return Intl.getCanonicalLocales(tag)[0] ?? null;
  } catch {
    return null;
  }
}

/** Whether `tag` is a language tag ?lang= takes: the ajv format of the lang parameter. */
export const isLanguageTag = (tag: string): boolean => canonicalLanguage(tag) !== null;

/** A tag and its prefixes, most specific first: zh-Hant-TW, zh-Hant, zh. */
export function languageChain(tag: string): string[] {
  const parts = tag.split('-');
  return parts.map((_, i) => parts.slice(0, parts.length - i).join('-'));
}

/** The most specific of `requested` and its prefixes that `languages` has names in, or undefined (the default names). */
export function resolveLanguage(requested: string, languages: readonly string[]): string | undefined {
  return languageChain(requested).find((tag) => languages.includes(tag));
}

/** A name in the first language of `chain` it has, or the default name. */
function nameIn(names: Record<string, Record<string, string>>, id: string | null, chain: readonly string[], fallback: string): string;
function nameIn(names: Record<string, Record<string, string>>, id: string | null, chain: readonly string[], fallback: string | null): string | null;
function nameIn(names: Record<string, Record<string, string>>, id: string | null, chain: readonly string[], fallback: string | null): string | null {
  // Own keys only: a parsed basis's objects have a prototype, and an id may be toString.
  // Stryker disable next-line ConditionalExpression,LogicalOperator: what an own-key miss finds instead (a prototype, a function) has no own language key either; the check says so for the reader.
  const set = id !== null && Object.hasOwn(names, id) ? names[id] : undefined;
  for (const tag of chain) if (set && Object.hasOwn(set, tag)) return set[tag] as string;
  return fallback;
}

/** The rows with their sport, league and region names in the language `chain` resolves to, name by name. */
export function translatedRows({ rows, names }: SidebarBasis, chain: readonly string[]): BasisRow[] {
  return rows.map((row) => ({
    ...row,
    sport: nameIn(names.sport, row.sport_id, chain, row.sport),
    league: nameIn(names.league, row.league_id, chain, row.league),
    region: nameIn(names.region, row.region_id, chain, row.region),
  }));
}
