import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { paths } from '../contract/index.js';
import { errorBody } from '../http/errors.js';
import { type ColdBudget, coldRefusalMessages } from './cold-budget.js';
import { writeHotReply } from './respond.js';
import type { SidebarService } from './service.js';

/**
 * The sidebar's hot path, run by the node:http server before Fastify sees the request: a
 * plain `GET /api/v1/shared/sidebar` is answered from this process's current copy of the
 * bytes with no routing, hooks, logging or serialisation (the framework's per-request work
 * costs a quarter of the throughput at this size), and with nothing allocated per request.
 * A URL with a query string is answered the same way once the Fastify route has answered
 * that exact URL for the current copy (a variant such as window=live, remembered per process;
 * variants.ts). A URL with a query string it does not know, from an address that has spent
 * its share of the cold budget (cold-budget.ts), is refused here with 429, before any routing:
 * a client cycling through variants then costs what a cached answer costs. Anything else (a
 * new URL, no current copy, another method) returns false and Fastify handles it, with the
 * same headers and bytes (respond.ts); once the app starts closing, the sidebar plugin removes
 * this handler.
 */
const withQuery = `${paths.sidebar}?`;

/** The client's address as Fastify's request.ip has it: with TRUST_PROXY, the first X-Forwarded-For entry (the client's). */
export function clientAddress(req: IncomingMessage, trustProxy: boolean): string {
  const forwarded = trustProxy ? req.headers['x-forwarded-for'] : undefined;
  if (typeof forwarded === 'string') {
    const first = forwarded.split(',')[0]?.trim();
    if (first) return first;
  }
  return req.socket.remoteAddress ?? '';
}

/** The refusal of a cold URL from an address over its share: the one error shape, never stored by a cache. */
export function coldRefusal(res: ServerResponse, retryAfterSeconds: number, requestId: string): void {
  const body = JSON.stringify(errorBody(429, coldRefusalMessages.address, requestId));
  res.writeHead(429, [
    'content-type',
    'application/json; charset=utf-8',
    'content-length',
    String(Buffer.byteLength(body)),
    'retry-after',
    String(retryAfterSeconds),
    'cache-control',
    'no-store',
    'x-content-type-options',
    'nosniff',
  ]);
  res.end(body);
}

export function createSidebarHotPath(deps: {
  service: Pick<SidebarService, 'peekFresh' | 'countMemoryHit' | 'peekVariant'>;
  coldBudget: Pick<ColdBudget, 'retryAfter'>;
  /** TRUST_PROXY: the client's address is the first X-Forwarded-For entry, as Fastify's request.ip. */
  trustProxy: boolean;
  /** Records one answer: a cheap, pre-bound observation (see BucketHistogram). */
  observe: (status: 200 | 304, seconds: number) => void;
  /** Counts one cold URL refused here. */
  refused?: () => void;
  /** CORS is on: a request from a page on another origin goes to Fastify, which adds the CORS headers. */
  crossOriginToFastify: boolean;
}) {
  const { crossOriginToFastify, trustProxy } = deps;
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
    if (!snapshot) {
      const retryAfter = deps.coldBudget.retryAfter(clientAddress(req, trustProxy));
      if (retryAfter === 0) return false;
      const requestId = req.headers['x-request-id'];
      coldRefusal(res, retryAfter, typeof requestId === 'string' && requestId ? requestId : randomUUID());
      deps.refused?.();
      return true;
    }
    const { headers } = req;
    const status = writeHotReply(res, snapshot, headers['accept-encoding'], headers['if-none-match'], headers['if-modified-since'], started);
    deps.service.countMemoryHit();
    deps.observe(status, (performance.now() - started) / 1000);
    return true;
  };
}
