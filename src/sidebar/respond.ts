import type { Layer } from './local-copy.js';
import { etagMatches, negotiateEncoding, type Snapshot } from './snapshot.js';

export interface SidebarReply {
  status: 200 | 304;
  headers: Record<string, string | number>;
  body: Buffer | null;
}

/**
 * The answer to a sidebar GET, from the pre-built bytes: 304 when the client has this
 * version, else the best encoding it accepts. Shared by the Fastify route and the raw fast
 * path, so both answer byte for byte alike.
 */
export function sidebarReply(snapshot: Snapshot, request: { acceptEncoding?: string; ifNoneMatch?: string }, layer: Layer, durationMs: number): SidebarReply {
  const headers: Record<string, string | number> = {
    etag: snapshot.etag,
    vary: 'accept-encoding',
    // Clients may keep it, but must revalidate (a cheap 304) before each use: refreshes show at once.
    'cache-control': 'public, no-cache',
    'x-cache': layer === 'database' ? 'MISS' : 'HIT',
    'server-timing': `sidebar;desc="${layer}";dur=${durationMs.toFixed(3)}`,
  };
  if (etagMatches(request.ifNoneMatch, snapshot.etag)) return { status: 304, headers, body: null };
  const encoding = negotiateEncoding(request.acceptEncoding);
  const body = snapshot[encoding];
  headers['content-type'] = 'application/json; charset=utf-8';
  headers['content-length'] = body.length;
  if (encoding !== 'identity') headers['content-encoding'] = encoding;
  return { status: 200, headers, body };
}
