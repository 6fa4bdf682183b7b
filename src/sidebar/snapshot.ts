import { createHash } from 'node:crypto';
import { brotliCompress, brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { negotiate } from '@fastify/accept-negotiator';
import { boundedMemo } from './bounded-memo.js';

/*
 * One answer's bytes and everything derived from them once (ETag, Last-Modified, every encoding,
 * the hot path's header lists), and the conditional-request and encoding decisions on them. Kept
 * whole because these share one object's life: a snapshot is built once and read by every answer.
 */

export type Encoding = 'br' | 'gzip' | 'identity';

/**
 * The sidebar as it goes on the wire: the JSON body and its gzip and brotli forms, built once
 * when the body changes, so a request only picks the right buffer. The ETag is a hash of the
 * body, so every instance gives the same body the same tag.
 */
export interface Snapshot {
  identity: Buffer;
  gzip: Buffer;
  /** Quality 5 at first (0.1 ms); replaced by quality 11 (~8 ms, ~10% smaller) compressed off the event loop. */
  br: Buffer;
  /**
   * A weak validator, the same for every encoding and on every instance (a hash of the body):
   * the encodings are the same content, and the brotli bytes change when upgraded (RFC 9110
   * section 8.8.3 does not allow one strong tag for different bytes).
   */
  etag: string;
  /** Cache-Control of this answer (configured; see sidebarCacheControl()). */
  cacheControl: string;
  /** Vary: accept-encoding, and origin when CORS answers differ by it. */
  vary: string;
  /** Surrogate-Key and Cache-Tag: the tags a CDN purges these answers by (Fastly, Cloudflare, Akamai); none when empty. */
  surrogateKeys: readonly string[];
  /** Last-Modified: when the data was refreshed (the body's refreshed_at), or null. */
  lastModified: string | null;
  /** Content-Language: the language of the names (?lang=, or the default names'); none when null. */
  contentLanguage: string | null;
  /** Response headers per encoding, built once per buffer: [name, value, name, value, …]. */
  headers: Partial<Record<Encoding, readonly string[]>>;
  /**
   * The hot path's complete header lists (per encoding, and for the 304), whose last value,
   * Server-Timing, is written in place for each request: node:http's writeHead() reads the
   * list synchronously, so one list per snapshot serves every request without allocation.
   */
  hot: Partial<Record<Encoding | 'notModified', string[]>>;
  /**
   * A variant's bytes compress when first asked for, from their second answer on (gzip and br
   * are then built on first read): the first answer goes uncompressed, so bytes asked for once
   * (a client cycling through variants) cost no compression at all. null: built at once (the
   * full sidebar, which every page asks for).
   */
  deferred: { answered: boolean } | null;
}

const brotli = (quality: number, size: number) => ({
  params: { [constants.BROTLI_PARAM_QUALITY]: quality, [constants.BROTLI_PARAM_SIZE_HINT]: size },
});

/** The sidebar's top-level refreshed_at (the last field of that name: sports come before it), as an HTTP date. */
export function lastModifiedOf(body: string): string | null {
  const key = '"refreshed_at":"';
  const at = body.lastIndexOf(key);
  if (at < 0) return null;
  const value = body.slice(at + key.length, body.indexOf('"', at + key.length));
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? null : date.toUTCString();
}

/** How every answer of a service is cached and tagged: the configured part of a snapshot's headers. */
export interface CachePolicy {
  cacheControl: string;
  vary: string;
  surrogateKeys: readonly string[];
  contentLanguage?: string | null;
}

const gzipOf = (identity: Buffer) => gzipSync(identity, { level: 9 });
const quickBrotliOf = (identity: Buffer) => brotliCompressSync(identity, brotli(5, identity.length));

/**
 * The bytes of a body, its ETag and headers. `deferCompression`: gzip and br are built when
 * first read, and answers pick them from their second on (encodingFor); for variants, which
 * may be asked for once.
 */
export function buildSnapshot(
  body: string,
  { cacheControl, vary, surrogateKeys, contentLanguage = null }: CachePolicy,
  { deferCompression = false }: { deferCompression?: boolean } = {},
): Snapshot {
  // Stryker disable next-line StringLiteral: utf8 is Buffer.from's default; the argument only says it.
  const identity = Buffer.from(body, 'utf8');
  const common = {
    identity,
    etag: `W/"${createHash('sha256').update(identity).digest('base64url').slice(0, 27)}"`,
    cacheControl,
    vary,
    surrogateKeys,
    lastModified: lastModifiedOf(body),
    contentLanguage,
    headers: {},
    hot: {},
  };
  if (deferCompression) return deferredSnapshot(common);
  const snapshot: Snapshot = { ...common, gzip: gzipOf(identity), br: quickBrotliOf(identity), deferred: null };
  // The cold path must not wait ~8 ms for the best brotli: serve quality 5 now, swap in 11 when ready.
  upgradeBrotli(snapshot);
  return snapshot;
}

/** A snapshot whose gzip and br are built on first read (the brotli then upgraded as any other's). */
function deferredSnapshot(common: Omit<Snapshot, 'gzip' | 'br' | 'deferred'>): Snapshot {
  let gzip: Buffer | null = null;
  let br: Buffer | null = null;
  const snapshot = { ...common, deferred: { answered: false } } as Snapshot;
  Object.defineProperties(snapshot, {
    gzip: {
      get: () => {
        gzip ??= gzipOf(common.identity);
        return gzip;
      },
    },
    br: {
      get: () => {
        if (br === null) {
          br = quickBrotliOf(common.identity);
          upgradeBrotli(snapshot);
        }
        return br;
      },
      set: (better: Buffer) => {
        br = better;
      },
    },
  });
  return snapshot;
}

/**
 * The encoding an answer with these bytes uses: the best the client accepts, except for the
 * first answer of bytes whose compression is deferred, which goes uncompressed (identity is
 * always acceptable, and Vary: accept-encoding keeps caches right).
 */
export function encodingFor(snapshot: Snapshot, acceptEncoding: string | undefined): Encoding {
  const encoding = negotiateEncodingCached(acceptEncoding);
  const { deferred } = snapshot;
  if (deferred === null || deferred.answered) return encoding;
  deferred.answered = true;
  return 'identity';
}

// One background compression at a time, for the newest snapshot only, started once reloads
// have settled for a moment: a burst of reloads (a flapping cache, a benchmark of the cold
// path) must not queue CPU work for bytes nobody will serve, nor compete with the reloads.
const upgradeDelayMs = 100;
let upgrading = false;
let nextUpgrade: Snapshot | null = null;
let timer: NodeJS.Timeout | null = null;

function upgradeBrotli(snapshot: Snapshot): void {
  nextUpgrade = snapshot;
  // Stryker disable next-line ConditionalExpression: clearTimeout(null) does nothing; the guard is for the types.
  if (timer) clearTimeout(timer);
  timer = setTimeout(startUpgrade, upgradeDelayMs);
  timer.unref();
}

function startUpgrade(): void {
  timer = null;
  const snapshot = nextUpgrade;
  if (upgrading || !snapshot) return;
  nextUpgrade = null;
  upgrading = true;
  brotliCompress(snapshot.identity, brotli(11, snapshot.identity.length), (err, best) => {
    // Stryker disable next-line EqualityOperator: bytes of the same size are as good; replacing them changes nothing a client sees.
    if (!err && best.length < snapshot.br.length) {
      snapshot.br = best;
      delete snapshot.headers.br;
      delete snapshot.hot.br;
    }
    upgrading = false;
    if (nextUpgrade && !timer) startUpgrade();
  });
}

/**
 * The validators and caching headers, which a 200 and a 304 both carry (RFC 9111 section 4.3.4:
 * a cache updates its copy from the 304's): ETag, Vary, Cache-Control, Last-Modified.
 */
export function cachingHeaders(snapshot: Snapshot): string[] {
  return [
    'etag',
    snapshot.etag,
    'vary',
    snapshot.vary,
    'cache-control',
    snapshot.cacheControl,
    ...(snapshot.lastModified ? ['last-modified', snapshot.lastModified] : []),
  ];
}

/** The headers every answer with these bytes carries (the per-request ones are added by the caller). */
export function staticHeaders(snapshot: Snapshot, encoding: Encoding): readonly string[] {
  let headers = snapshot.headers[encoding];
  if (!headers) {
    headers = [
      'content-type',
      'application/json; charset=utf-8',
      'content-length',
      String(snapshot[encoding].length),
      ...cachingHeaders(snapshot),
      ...(snapshot.contentLanguage ? ['content-language', snapshot.contentLanguage] : []),
      // Read and removed by the CDN (Fastly and Akamai: Surrogate-Key, space-separated; Cloudflare: Cache-Tag, comma-separated).
      ...(snapshot.surrogateKeys.length ? ['surrogate-key', snapshot.surrogateKeys.join(' '), 'cache-tag', snapshot.surrogateKeys.join(',')] : []),
      // JSON is never to be read as anything else (the one security header a JSON resource needs; see http/security.ts).
      'x-content-type-options',
      'nosniff',
      ...(encoding === 'identity' ? [] : ['content-encoding', encoding]),
    ];
    snapshot.headers[encoding] = headers;
  }
  return headers;
}

/**
 * negotiateEncoding, remembered per header value: clients send a handful of distinct ones, an
 * attacker any number (bounded: forgotten at once when 256 are held).
 */
const negotiateRemembered = boundedMemo(256, (acceptEncoding: string) => negotiateEncoding(acceptEncoding));

export function negotiateEncodingCached(acceptEncoding: string | undefined): Encoding {
  // Stryker disable next-line ConditionalExpression: a shortcut; negotiateEncoding answers identity for no header too.
  return acceptEncoding ? negotiateRemembered(acceptEncoding) : 'identity';
}

// In order of preference; x-gzip is gzip (RFC 9110 section 8.4.1.3).
const supportedEncodings = ['br', 'gzip', 'x-gzip', 'identity'];

/**
 * The best encoding the client accepts (@fastify/accept-negotiator: q-values, q=0 refuses,
 * `*`), br first, then gzip, else identity. Codings are case-insensitive.
 */
export function negotiateEncoding(acceptEncoding: string | undefined): Encoding {
  if (!acceptEncoding) return 'identity';
  const chosen = negotiate(acceptEncoding.toLowerCase(), supportedEncodings);
  if (chosen === 'br') return 'br';
  return chosen === 'gzip' || chosen === 'x-gzip' ? 'gzip' : 'identity';
}

/**
 * Whether a conditional GET may get a 304 (RFC 9110 section 13.2.2): If-None-Match when sent
 * (weak comparison), else If-Modified-Since against Last-Modified (second precision).
 */
export function notModified(snapshot: Pick<Snapshot, 'etag' | 'lastModified'>, ifNoneMatch: string | undefined, ifModifiedSince: string | undefined): boolean {
  if (ifNoneMatch !== undefined) return etagMatches(ifNoneMatch, snapshot.etag);
  // Stryker disable next-line ConditionalExpression,LogicalOperator: a shortcut; Date.parse of a missing value is NaN, which the next lines answer false.
  if (!ifModifiedSince || !snapshot.lastModified) return false;
  const since = Date.parse(ifModifiedSince);
  return !Number.isNaN(since) && Date.parse(snapshot.lastModified) <= since;
}

/** Whether an If-None-Match header matches the tag (weak comparison, as RFC 9110 asks for GET). */
export function etagMatches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  // Stryker disable next-line ConditionalExpression: a shortcut for the common exact match; the list comparison below answers the same.
  if (ifNoneMatch === etag) return true;
  if (ifNoneMatch.trim() === '*') return true;
  const bare = etag.replace(/^W\//, '');
  return ifNoneMatch.split(',').some((tag) => tag.trim().replace(/^W\//, '') === bare);
}
