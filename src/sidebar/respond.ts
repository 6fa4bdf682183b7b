import type { Layer } from './process-copy.js';
import { etagMatches, negotiateEncodingCached, type Snapshot, staticHeaders } from './snapshot.js';

export interface SidebarReply {
  status: 200 | 304;
  /** [name, value, name, value, …], as node:http's writeHead takes them. */
  headers: string[];
  body: Buffer | null;
}

/**
 * The answer to a sidebar GET, from the pre-built bytes: 304 when the client has this
 * version, else the best encoding it accepts. Shared by the Fastify route and the raw fast
 * path, so both answer byte for byte alike. Headers are mostly prebuilt per snapshot; only
 * X-Cache and Server-Timing are per request.
 */
export function sidebarReply(snapshot: Snapshot, request: { acceptEncoding?: string; ifNoneMatch?: string }, layer: Layer, durationMs: number): SidebarReply {
  const perRequest = ['x-cache', layer === 'database' ? 'MISS' : 'HIT', 'server-timing', `sidebar;desc="${layer}";dur=${durationMs.toFixed(3)}`];
  if (request.ifNoneMatch !== undefined && etagMatches(request.ifNoneMatch, snapshot.etag)) {
    return { status: 304, headers: ['etag', snapshot.etag, 'vary', 'accept-encoding', 'cache-control', 'public, no-cache', ...perRequest], body: null };
  }
  const encoding = negotiateEncodingCached(request.acceptEncoding);
  const body = snapshot[encoding];
  return { status: 200, headers: staticHeaders(snapshot, encoding).concat(perRequest), body };
}
