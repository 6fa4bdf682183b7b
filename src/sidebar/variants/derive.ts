import type { RegionSidebar, Sidebar } from '../../contract/index.js';
import { type BasisRow, buildSidebar, groupByRegion, type SidebarBasis } from '../hierarchy.js';
import { jurisdictionRows } from './jurisdictions.js';
import { languageChain, translatedRows } from './names.js';
import type { Variant } from './query.js';
import { referenceSeconds, windowEnd, windowRows } from './windows.js';

/**
 * The sidebar of a variant, from the basis of one version (pure: the basis is not changed).
 * Built by the rules of the full sidebar (hierarchy.ts) from the leagues the jurisdiction shows
 * and the window holds, with their counts there: sports' counts are their leagues' sums, and a
 * sport cut at 100 leagues lists the first 100 left. Order is the full sidebar's, so a sport does
 * not move between one window, or one jurisdiction, and another.
 */
export function deriveSidebar(basis: SidebarBasis, variant: Variant): Sidebar | RegionSidebar {
  let rows = shapedRows(basis, variant.jurisdiction, variant.lang);
  if (variant.window !== 'all') {
    rows = windowRows(rows, windowEnd(variant, referenceSeconds(basis)));
  }
  const sidebar = buildSidebar({ ...basis, rows });
  return variant.group === 'region' ? groupByRegion(sidebar, rows) : sidebar;
}

/**
 * The rows a jurisdiction shows, named in a language: what every variant of that pair starts
 * from, whatever its window or grouping. Shared across the variants of one version (the basis),
 * and dropped with it.
 */
function shapedRows(basis: SidebarBasis, jurisdiction: string | undefined, lang: string | undefined): BasisRow[] {
  // Stryker disable next-line ConditionalExpression: a shortcut; the cache below answers the rows themselves for neither.
  if (jurisdiction === undefined && lang === undefined) return basis.rows;
  let byPair = shaped.get(basis);
  // Stryker disable next-line ConditionalExpression: a cache; a new one for every call derives the same rows.
  if (!byPair) {
    byPair = new Map();
    shaped.set(basis, byPair);
  }
  // Stryker disable next-line StringLiteral: any stand-in for an absent one that is neither a code nor a tag keeps the pairs apart.
  const key = `${jurisdiction ?? ''} ${lang ?? ''}`;
  let rows = byPair.get(key);
  // Stryker disable next-line ConditionalExpression: a cache; deriving the rows again gives the same rows.
  if (!rows) {
    // Stryker disable next-line ConditionalExpression: jurisdictionRows(rows, undefined) keeps every row (no jurisdiction is undefined); the check spares the copy.
    rows = jurisdiction === undefined ? basis.rows : jurisdictionRows(basis.rows, jurisdiction);
    if (lang !== undefined) rows = translatedRows({ ...basis, rows }, languageChain(lang));
    byPair.set(key, rows);
  }
  return rows;
}
// Per version, at most (jurisdictions + 1) × (languages + 1) row lists; a basis no longer read takes its lists with it.
const shaped = new WeakMap<SidebarBasis, Map<string, BasisRow[]>>();
