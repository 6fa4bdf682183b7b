import type { ImportResult } from '../contract/index.js';
import type { Queryable } from '../db/index.js';
import type { OddsEvent } from '../events/types.js';
import { writeEvents } from '../events/writer.js';
import { type FeedFormat, findRecords, maxSearchDepth } from './extract.js';
import { defaultLiveWindows, type LiveWindows, type Mapped, mapOddsApiEvent, type OddsApiSport, readOddsApiSport } from './odds-api.js';
import { mapOpticFixture } from './optic.js';
import { FeedFileError, type FeedInput, type ParsedInput, parseInput } from './read.js';
import { boundName, hasNul, maxIdLength, parseFeedTime } from './values.js';

/** One rejected record: where it is in the payload and why (the API's ImportResult['rejections'] entries). */
export type Rejection = ImportResult['rejections'][number] & { format?: FeedFormat };

/**
 * What an import did: the API's ImportResult (less the refresh, which the caller arranges),
 * plus what only the CLI reports.
 */
export type ImportSummary = Omit<ImportResult, 'refresh' | 'formats' | 'rejections'> & {
  formats: Partial<Record<FeedFormat, ImportResult['formats'][string]>>;
  /** The first rejections in full (rejections_total counts them all). */
  rejections: Rejection[];
  files: number;
  /** Files that could not be read at all. */
  file_errors: Array<{ file: string; reason: string }>;
  /** Milliseconds added to every start time (shiftToFuture). */
  shift_ms: number;
};

export interface ImportOptions {
  format?: FeedFormat;
  now?: Date;
  liveWindows?: LiveWindows;
  /**
   * Move every start time by the same whole number of days, so that the earliest lies ahead:
   * replays a historical dump as upcoming games. Whole days keep times of day, and make a
   * repeated import on the same day shift identically (so it changes nothing).
   */
  shiftToFuture?: boolean;
  batchSize?: number;
  maxRejectionsListed?: number;
  onProgress?: (phase: 'write', done: number, total: number) => void;
}

interface PendingRecord {
  format: FeedFormat;
  record: Record<string, unknown>;
  file: string;
  position: string;
}

const day = 24 * 3600_000;

/** A stated final status beats a guess, as in the database upsert (src/events/writer.ts). */
function merge(previous: OddsEvent, next: OddsEvent): OddsEvent {
  const keepFinal = next.status_inferred && !previous.status_inferred && (previous.status === 'completed' || previous.status === 'cancelled');
  return keepFinal ? { ...next, status: previous.status, status_inferred: false } : next;
}

function earliestStart(records: readonly PendingRecord[]): number | null {
  let min: number | null = null;
  for (const { record } of records) {
    const t = parseFeedTime(record.commence_time ?? record.start_date)?.getTime();
    if (t !== undefined) min = min === null ? t : Math.min(min, t);
  }
  return min;
}

/**
 * Imports feed dumps into odds_events: finds the records in every source, maps them (sports
 * lists first, so every event gets its sport's group and title whatever the file order),
 * merges repeated ids, and upserts in batches of one statement each. Bad records are listed
 * and skipped; a source that is not JSON at all is listed under file_errors; neither stops the rest.
 */
export async function importFeeds(db: Queryable, sources: readonly FeedInput[], options: ImportOptions = {}): Promise<ImportSummary> {
  const started = Date.now();
  const now = options.now ?? new Date();
  const maxListed = options.maxRejectionsListed ?? 100;
  const summary: ImportSummary = {
    files: sources.length,
    read: 0,
    inserted: 0,
    updated: 0,
    unchanged: 0,
    rejected: 0,
    duplicates: 0,
    sports_listed: 0,
    formats: {},
    rejections: [],
    rejections_total: 0,
    file_errors: [],
    shift_ms: 0,
    seconds: 0,
  };
  const reject = (rejection: Rejection) => {
    summary.rejected++;
    summary.rejections_total++;
    if (summary.rejections.length < maxListed) summary.rejections.push(rejection);
    if (rejection.format) countFor(rejection.format).rejected++;
  };
  const countFor = (format: FeedFormat) => {
    summary.formats[format] ??= { read: 0, accepted: 0, rejected: 0 };
    return summary.formats[format];
  };

  // Phase 1: parse everything, collect sports lists and event records.
  const sports = new Map<string, OddsApiSport>();
  const pending: PendingRecord[] = [];
  for (const source of sources) {
    let parsed: ParsedInput;
    try {
      parsed = parseInput(source);
    } catch (error) {
      // Stryker disable next-line ConditionalExpression: parseInput throws only FeedFileError (it catches JSON.parse's errors); anything else is a bug, and is rethrown.
      if (!(error instanceof FeedFileError)) throw error;
      summary.file_errors.push({ file: source.name, reason: error.message.slice(source.name.length + 2) });
      continue;
    }
    for (const bad of parsed.badLines) reject({ file: source.name, ...bad });
    for (const { value, position } of parsed.values) {
      for (const found of findRecords(value, position === '$' ? '$' : `${position} $`, options.format)) {
        if (found.kind === 'too-deep') {
          reject({ file: source.name, position: found.position, reason: `nested deeper than ${maxSearchDepth} levels: not searched` });
          continue;
        }
        if (found.kind === 'sport') {
          const entry = readOddsApiSport(found.record);
          if (entry) sports.set(entry.key, entry.sport);
          continue;
        }
        pending.push({ format: found.format, record: found.record, file: source.name, position: found.position });
      }
    }
  }
  summary.sports_listed = sports.size;
  summary.read = pending.length;

  if (options.shiftToFuture) {
    const earliest = earliestStart(pending);
    if (earliest !== null) summary.shift_ms = Math.max(0, Math.ceil((now.getTime() - earliest) / day) * day);
  }

  // Phase 2: map and merge by id.
  const byId = new Map<string, OddsEvent>();
  const context = { sports, liveWindows: options.liveWindows ?? defaultLiveWindows, now, shiftMs: summary.shift_ms };
  for (const item of pending) {
    countFor(item.format).read++;
    const mapped: Mapped = item.format === 'optic-odds' ? mapOpticFixture(item.record, summary.shift_ms) : mapOddsApiEvent(item.record, context);
    if ('reject' in mapped) {
      reject({ file: item.file, position: item.position, reason: mapped.reject, format: item.format });
      continue;
    }
    if (hasNul(mapped as unknown as Record<string, unknown>)) {
      reject({ file: item.file, position: item.position, reason: 'a text field holds a NUL character, which PostgreSQL cannot store', format: item.format });
      continue;
    }
    const longId = [mapped.id, mapped.sport_id, mapped.league_id].find((id) => id.length > maxIdLength);
    if (longId !== undefined) {
      reject({ file: item.file, position: item.position, reason: `an id is longer than ${maxIdLength} characters`, format: item.format });
      continue;
    }
    // Names are shown in every sidebar: a hostile feed must not bloat it.
    mapped.sport = boundName(mapped.sport);
    mapped.league = boundName(mapped.league);
    if (mapped.home_team) mapped.home_team = boundName(mapped.home_team);
    if (mapped.away_team) mapped.away_team = boundName(mapped.away_team);
    countFor(item.format).accepted++;
    const previous = byId.get(mapped.id);
    if (previous) summary.duplicates++;
    byId.set(mapped.id, previous ? merge(previous, mapped) : mapped);
  }

  // The parsed documents (bookmakers, odds and all) are no longer needed: let them go before writing.
  pending.length = 0;

  // Phase 3: write.
  const total = byId.size;
  const counts = await writeEvents(db, byId.values(), {
    batchSize: options.batchSize,
    onProgress: (done) => options.onProgress?.('write', done, total),
  });
  Object.assign(summary, counts);
  summary.seconds = (Date.now() - started) / 1000;
  return summary;
}

/**
 * What an import took in: 'none-recognised', no event, no sports list, no rejected record (most
 * likely a feed whose format changed); 'all-rejected', records found and every one refused
 * (nesting too deep included); 'imported' otherwise. The first two are a 422 over HTTP and exit
 * code 1 from the CLI: a feed pusher that reads only the status learns that nothing was taken.
 */
export function importOutcome(
  summary: Pick<ImportSummary, 'read' | 'sports_listed' | 'rejections_total' | 'inserted' | 'updated' | 'unchanged'>,
): 'none-recognised' | 'all-rejected' | 'imported' {
  if (summary.sports_listed > 0 || summary.inserted + summary.updated + summary.unchanged > 0) return 'imported';
  return summary.rejections_total > 0 ? 'all-rejected' : 'none-recognised';
}

/** Why an import took nothing in, in a sentence (for a 422 or the CLI's error line). */
export function nothingImportedReason(summary: Pick<ImportSummary, 'rejections_total' | 'rejections'>): string {
  const first = summary.rejections[0];
  if (!first) return 'no event records found (neither The Odds API nor Optic Odds)';
  return `none of its records could be imported (${summary.rejections_total} rejected; the first, at ${first.position}: ${first.reason})`;
}

/** Whether the import changed odds_events (and so the sidebar needs a refresh). */
export const changedAnything = (summary: Pick<ImportSummary, 'inserted' | 'updated'>) => summary.inserted + summary.updated > 0;
