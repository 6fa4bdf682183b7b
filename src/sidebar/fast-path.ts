import type { IncomingMessage, ServerResponse } from 'node:http';
import { paths } from '../contract/index.js';
import { sidebarReply } from './respond.js';
import type { SidebarService } from './service.js';

/**
 * The sidebar's hot path, run by the node:http server before Fastify sees the request: a
 * plain `GET /api/v1/shared/sidebar` is answered from this process's fresh copy of the bytes
 * with no routing, hooks, logging or serialisation (the framework's per-request work costs a
 * quarter of the throughput at this size). Anything else (a query string, an expired or
 * missing copy, another method, a closing server) returns false and Fastify handles it, with
 * the same reply builder, so both paths answer alike.
 */
export function createSidebarFastPath(deps: {
  service: Pick<SidebarService, 'peekFresh' | 'countMemoryHit'>;
  observe: (status: 200 | 304, seconds: number) => void;
  isClosing: () => boolean;
}) {
  return (req: IncomingMessage, res: ServerResponse): boolean => {
    if (req.method !== 'GET' || req.url !== paths.sidebar || deps.isClosing()) return false;
    const started = performance.now();
    const entry = deps.service.peekFresh();
    if (!entry) return false;
    const reply = sidebarReply(
      entry.snapshot,
      { acceptEncoding: req.headers['accept-encoding'], ifNoneMatch: req.headers['if-none-match'] },
      'memory',
      performance.now() - started,
    );
    res.writeHead(reply.status, reply.headers);
    res.end(reply.body ?? undefined);
    deps.service.countMemoryHit();
    deps.observe(reply.status, (performance.now() - started) / 1000);
    return true;
  };
}
