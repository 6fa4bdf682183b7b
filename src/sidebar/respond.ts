import type { ServerResponse } from 'node:http';
import type { Layer } from './process-copy.js';
import { cachingHeaders, type Encoding, encodingFor, notModified, type Snapshot, staticHeaders } from './snapshot.js';

export interface SidebarReply {
  status: 200 | 304;
  /** [name, value, name, value, …], as node:http's writeHead takes them. */
  headers: string[];
  body: Buffer | null;
}

/** The headers of a 304: the caching headers a 200 carries (Date is node's), so a cache keeps serving its copy. */
const notModifiedHeaders = cachingHeaders;

const timingPrefix = (layer: Layer) => `sidebar;desc="${layer}";dur=`;

// Server-Timing values of hot-path answers, formatted once per microsecond (they take a few).
const memoryTimingPrefix = timingPrefix('memory');
const memoryTimings: string[] = [];
function memoryTiming(durationMs: number): string {
  const micros = Math.round(durationMs * 1000);
  // Stryker disable next-line ConditionalExpression,EqualityOperator: both branches format the same string; the test only bounds the cache's size.
  if (micros >= 1000) return `${memoryTimingPrefix}${durationMs.toFixed(3)}`;
  let value = memoryTimings[micros];
  // Stryker disable next-line ConditionalExpression: a cache; formatting again gives the same string.
  if (value === undefined) {
    value = `${memoryTimingPrefix}${(micros / 1000).toFixed(3)}`;
    memoryTimings[micros] = value;
  }
  return value;
}

/**
 * The answer to a sidebar GET, from the pre-built bytes: 304 when the client has this
 * version, else the best encoding it accepts. The Fastify route answers with it; the hot path
 * writes the same bytes and headers with writeHotReply(). X-Cache and Server-Timing name the
 * layer that answered.
 */
export function sidebarReply(
  snapshot: Snapshot,
  request: { acceptEncoding?: string; ifNoneMatch?: string; ifModifiedSince?: string },
  layer: Layer,
  durationMs: number,
  /** A copy served because a newer one could not be loaded (or a fallback re-checking): X-Cache: STALE, and Age in seconds. */
  stale?: { ageSeconds: number },
): SidebarReply {
  const cacheStatus = stale ? 'STALE' : layer === 'database' ? 'MISS' : 'HIT';
  const perRequest = ['x-cache', cacheStatus, 'server-timing', `${timingPrefix(layer)}${durationMs.toFixed(3)}`];
  if (stale) perRequest.push('age', String(Math.max(0, Math.floor(stale.ageSeconds))));
  if (notModified(snapshot, request.ifNoneMatch, request.ifModifiedSince)) {
    return { status: 304, headers: [...notModifiedHeaders(snapshot), ...perRequest], body: null };
  }
  const encoding = encodingFor(snapshot, request.acceptEncoding);
  return { status: 200, headers: staticHeaders(snapshot, encoding).concat(perRequest), body: snapshot[encoding] };
}

function hotHeaders(snapshot: Snapshot, form: Encoding | 'notModified'): string[] {
  let headers = snapshot.hot[form];
  // Stryker disable next-line ConditionalExpression: a cache; building the list again gives the same list.
  if (!headers) {
    const fixed = form === 'notModified' ? notModifiedHeaders(snapshot) : staticHeaders(snapshot, form);
    headers = [
      ...fixed,
      'x-cache',
      'HIT',
      'server-timing',
      // Stryker disable next-line StringLiteral: a placeholder, written on every request before the list is used.
      '',
    ];
    snapshot.hot[form] = headers;
  }
  return headers;
}

/**
 * sidebarReply() for this process's copy, written straight to the response: the same status,
 * headers and body, with no allocation per request (the header list is the snapshot's, its
 * Server-Timing value set in place). Returns the status written.
 */
export function writeHotReply(
  res: ServerResponse,
  snapshot: Snapshot,
  acceptEncoding: string | undefined,
  ifNoneMatch: string | undefined,
  ifModifiedSince: string | undefined,
  started: number,
): 200 | 304 {
  if (notModified(snapshot, ifNoneMatch, ifModifiedSince)) {
    const headers = hotHeaders(snapshot, 'notModified');
    headers[headers.length - 1] = memoryTiming(performance.now() - started);
    res.writeHead(304, headers);
    res.end();
    return 304;
  }
  const encoding = encodingFor(snapshot, acceptEncoding);
  const headers = hotHeaders(snapshot, encoding);
  headers[headers.length - 1] = memoryTiming(performance.now() - started);
  res.writeHead(200, headers);
  res.end(snapshot[encoding]);
  return 200;
}
