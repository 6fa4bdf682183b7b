/**
 * A feed timestamp: an ISO 8601 string (any offset), or Unix time as a number or numeric
 * string, in seconds, or in milliseconds when it is too large to be seconds. Null if unusable.
 */
export function parseFeedTime(value: unknown): Date | null {
  let ms: number;
  if (typeof value === 'number' || (typeof value === 'string' && /^\d+(\.\d+)?$/.test(value.trim()))) {
    const n = Number(value);
    // 1e11 s is the year 5138: anything larger is milliseconds.
    ms = n > 1e11 ? n : n * 1000;
  } else if (typeof value === 'string' && /^\d{4}-\d\d-\d\d[T ]\d\d:\d\d/.test(value.trim())) {
    ms = Date.parse(value.trim());
  } else {
    return null;
  }
  // A sportsbook event is somewhere between these: anything else is a feed bug (or 1e20), and
  // must be rejected here rather than fail the database batch it would be written in.
  return Number.isFinite(ms) && ms >= earliestFeedTime && ms < latestFeedTime ? new Date(ms) : null;
}

const earliestFeedTime = Date.UTC(1900, 0, 1);
const latestFeedTime = Date.UTC(3000, 0, 1);

/** Whether any string in a mapped record holds a NUL, which PostgreSQL's text cannot store. */
export function hasNul(record: Record<string, unknown>): boolean {
  return Object.values(record).some((v) => typeof v === 'string' && v.includes('\u0000'));
}

/** 'American Football' → 'americanfootball', 'International - Tours' → 'international_tours'. */
export function slugify(name: string, separator: '' | '_' = ''): string {
  return name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, separator)
    .replace(/^_+|_+$/g, '');
}

/** 'ice_hockey' → 'Ice Hockey'. */
export function titleCase(slug: string): string {
  return slug
    .split(/[_\s-]+/)
    .filter(Boolean)
    .map((w) => w[0]?.toUpperCase() + w.slice(1))
    .join(' ');
}

/** A non-empty id from a string or a number. */
export function feedId(value: unknown): string | null {
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value === 'string' && value.trim() !== '') return value.trim();
  return null;
}

export function nonEmptyString(value: unknown): string | null {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : null;
}

export const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Longest name the sidebar shows (sport, league, team); longer ones are cut at import. */
export const maxNameLength = 100;
/** Longest id accepted (event, sport, league); a longer one rejects the record. */
export const maxIdLength = 128;

/** A name cut to maxNameLength characters (code points, so no surrogate is split), with an ellipsis. */
export function boundName(name: string): string {
  const chars = Array.from(name);
  return chars.length <= maxNameLength ? name : `${chars.slice(0, maxNameLength - 1).join('')}…`;
}
