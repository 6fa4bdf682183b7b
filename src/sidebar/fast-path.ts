import type { IncomingMessage, ServerResponse } from 'node:http';
import { paths } from '../contract/index.js';
import { writeHotReply } from './respond.js';
import type { SidebarService } from './service.js';

/**
 * The sidebar's hot path, run by the node:http server before Fastify sees the request: a
 * plain `GET /api/v1/shared/sidebar` is answered from this process's current copy of the
 * bytes with no routing, hooks, logging or serialisation (the framework's per-request work
 * costs a quarter of the throughput at this size), and with nothing allocated per request.
 * A URL with a query string is answered the same way once the Fastify route has answered
 * that exact URL for the current copy (a variant such as window=live, remembered per process;
 * variants.ts). Anything else (a new URL, no current copy, another method) returns false and
 * Fastify handles it, with the same headers and bytes (respond.ts); once the app starts
 * closing, the sidebar plugin removes this handler.
 */
const withQuery = `${paths.sidebar}?`;

export function createSidebarFastPath(deps: {
  service: Pick<SidebarService, 'peekFresh' | 'countMemoryHit' | 'peekVariant'>;
  /** Records one answer: a cheap, pre-bound observation (see BucketHistogram). */
  observe: (status: 200 | 304, seconds: number) => void;
  /** CORS is on: a request from a page on another origin goes to Fastify, which adds the CORS headers. */
  crossOriginToFastify: boolean;
}) {
  const { crossOriginToFastify } = deps;
  return (req: IncomingMessage, res: ServerResponse): boolean => {
    const { url } = req;
    if (req.method !== 'GET' || url === undefined) return false;
    const full = url === paths.sidebar;
    if (!full && !url.startsWith(withQuery)) return false;
    if (crossOriginToFastify && req.headers.origin !== undefined) return false;
    const started = performance.now();
    const entry = deps.service.peekFresh();
    if (!entry) return false;
    // A variant (window=live, …) whose URL the route answered before, derived from this copy.
    const snapshot = full ? entry.snapshot : deps.service.peekVariant(url, entry.snapshot);
    if (!snapshot) return false;
    const { headers } = req;
    const status = writeHotReply(res, snapshot, headers['accept-encoding'], headers['if-none-match'], headers['if-modified-since'], started);
    deps.service.countMemoryHit();
    deps.observe(status, (performance.now() - started) / 1000);
    return true;
  };
}
