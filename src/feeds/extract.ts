import type { FeedFormat } from '../contract/index.js';
import { isOddsApiEvent, isOddsApiSportsEntry, isOddsApiV3 } from './odds-api.js';
import { isOpticFixture } from './optic.js';
import { isObject } from './values.js';

export { type FeedFormat, feedFormats } from '../contract/index.js';

export type FoundRecord =
  | { kind: 'event'; format: FeedFormat; record: Record<string, unknown>; position: string }
  | { kind: 'sport'; record: Record<string, unknown>; position: string }
  /** Nesting deeper than maxSearchDepth: not searched (a hostile or broken payload), reported. */
  | { kind: 'too-deep'; position: string };

/** Real dumps nest records a few levels deep; a search this deep is a broken or hostile payload. */
export const maxSearchDepth = 64;

function classify(value: Record<string, unknown>, forced?: FeedFormat): { kind: 'sport' } | { kind: 'event'; format: FeedFormat } | null {
  if ((!forced || forced === 'the-odds-api') && isOddsApiSportsEntry(value)) return { kind: 'sport' };
  if ((!forced || forced.startsWith('the-odds-api')) && isOddsApiEvent(value)) {
    return { kind: 'event', format: forced ?? (isOddsApiV3(value) ? 'the-odds-api-v3' : 'the-odds-api') };
  }
  if ((!forced || forced === 'optic-odds') && isOpticFixture(value)) return { kind: 'event', format: 'optic-odds' };
  return null;
}

const identifier = /^[A-Za-z_$][\w$]*$/;
const child = (path: string, key: string) => (identifier.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`);

/**
 * Finds feed records wherever a dump keeps them: a bare array, a single event, wrappers
 * (`data`, `events`, `fixtures`, `{timestamp, data}`), objects keyed by sport or by request,
 * nested arrays. Each object is classified by the fields that identify its format; a
 * classified object is a record and is not searched further (its bookmakers and odds are
 * not events). `position` is a JSONPath to the record, for error reports.
 */
export function* findRecords(value: unknown, path = '$', forced?: FeedFormat, depth = 0): Generator<FoundRecord> {
  if (typeof value !== 'object' || value === null) return;
  if (depth >= maxSearchDepth) {
    yield { kind: 'too-deep', position: path };
    return;
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) yield* findRecords(value[i], `${path}[${i}]`, forced, depth + 1);
    return;
  }
  if (!isObject(value)) return;
  const found = classify(value, forced);
  if (found?.kind === 'sport') yield { kind: 'sport', record: value, position: path };
  else if (found) yield { kind: 'event', format: found.format, record: value, position: path };
  else for (const [key, inner] of Object.entries(value)) yield* findRecords(inner, child(path, key), forced, depth + 1);
}
