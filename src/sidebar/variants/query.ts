import type { VariantQuery } from '../../contract/index.js';
import type { SidebarBasis } from '../hierarchy.js';
import { assertKnownJurisdiction } from './jurisdictions.js';
import { canonicalLanguage, resolveLanguage } from './names.js';
import { canonicalTimeZone, referenceSeconds, type TimeWindow, todayZone } from './windows.js';

/*
 * A variant of the sidebar: what a request may ask beyond the full sidebar (a time window, a
 * grouping, a language, a jurisdiction), in one canonical form, so every spelling of one variant
 * shares its key, its bytes and its CDN tag.
 */

/**
 * What a request may ask of the sidebar beyond the full one. group: 'region' lists each sport's
 * leagues under their regions. lang: the language of the names, a tag the basis has names in
 * (resolveLanguage); absent, the default names. jurisdiction: a code the basis knows
 * (resolveVariant), whose rules hide sports, leagues and games.
 */
export type Variant = TimeWindow & { group?: 'region'; lang?: string; jurisdiction?: string };

export const fullSidebar: Variant = { window: 'all' };

/**
 * The variant a validated query asks for, in canonical form, so every spelling of one variant
 * shares its bytes: tz only for window=today (UTC by default), by its canonical name. A tz the
 * schema let through is a zone; anything else is a programming error.
 */
export function variantOf(query: VariantQuery): Variant {
  const rest = {
    ...(query.group === 'region' ? { group: 'region' as const } : {}),
    // Stryker disable next-line ConditionalExpression: canonicalLanguage(undefined) is null too; the check is for the types.
    ...(query.lang === undefined ? {} : { lang: canonicalLanguage(query.lang) ?? query.lang }),
    // Codes are upper case (ISO 3166): us-nj is US-NJ, one variant.
    ...(query.jurisdiction === undefined ? {} : { jurisdiction: query.jurisdiction.toUpperCase() }),
  };
  const window = query.window ?? 'all';
  if (window !== 'today') return { window, ...rest };
  const tz = canonicalTimeZone(query.tz ?? 'UTC');
  if (tz === null) throw new RangeError(`not a time zone: ${query.tz}`);
  return { window, tz, ...rest };
}

/**
 * The variant a basis answers: its lang resolved against the languages the basis has names in,
 * so every language without names (an attacker may ask for thousands) is the default names'
 * one variant, and pt-BR without names of its own is pt's. A jurisdiction the basis does not
 * know throws UnknownJurisdictionError, except over a basis without rows (no open game
 * anywhere), which every jurisdiction shows as it is: empty, and whose rows name none.
 */
export function resolveVariant(variant: Variant, basis: SidebarBasis): Variant {
  if (variant.jurisdiction !== undefined) assertKnownJurisdiction(variant.jurisdiction, basis);
  const windowed = variant.window === 'today' ? { ...variant, tz: todayZone(variant.tz, referenceSeconds(basis)) } : variant;
  if (windowed.lang === undefined) return windowed;
  const { lang, ...rest } = windowed;
  const resolved = resolveLanguage(lang, basis.languages);
  return resolved === undefined ? rest : { ...rest, lang: resolved };
}

/**
 * A variant's canonical form, as a query string: '' for the full sidebar. The key of its bytes
 * in this process, and the suffix of its CDN tag (sidebar:window=live).
 */
export function variantKey(variant: Variant): string {
  const parts: string[] = [];
  if (variant.window === 'today') parts.push(`window=today&tz=${variant.tz}`);
  else if (variant.window !== 'all') parts.push(`window=${variant.window}`);
  if (variant.group === 'region') parts.push('group=region');
  if (variant.lang !== undefined) parts.push(`lang=${variant.lang}`);
  if (variant.jurisdiction !== undefined) parts.push(`jurisdiction=${variant.jurisdiction}`);
  return parts.join('&');
}
