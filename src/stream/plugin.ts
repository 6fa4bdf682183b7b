import fp from 'fastify-plugin';
import type { Config } from '../config/index.js';
import { ErrorRef, paths } from '../contract/index.js';
import { HttpError } from '../http/errors.js';
import { createFollower } from './follow.js';
import { createStreamHub, type StreamHub } from './hub.js';

declare module 'fastify' {
  interface FastifyInstance {
    streamHub: StreamHub;
  }
}

export interface StreamPluginOptions {
  config: Pick<Config, 'streamMaxClients'>;
}

/** While clients are connected, how often a follow that could not load a new version is tried again. */
const followBackstopMs = 1000;
const heartbeatMs = 15_000;
/** Unsent bytes past which a client is dropped: about a dozen full sidebars. */
const maxBufferedBytes = 1 << 20;

/** A Last-Event-ID the stream sent (a version number), or null. */
function lastEventId(header: string | string[] | undefined): number | null {
  const value = Number(Array.isArray(header) ? header[0] : header);
  return Number.isSafeInteger(value) && value >= 0 ? value : null;
}

/**
 * GET /api/v1/shared/sidebar/stream: Server-Sent Events. A client gets the whole sidebar on
 * connect (`event: sidebar`, the version as its id), then one `delta` per new version, computed
 * once in this process for all clients; `Last-Event-ID` resumes with one delta when the client
 * is one version behind.
 */
export const streamPlugin = fp<StreamPluginOptions>(
  async (app, { config }) => {
    const { sidebarService, sidebarVersions } = app;
    const hub = createStreamHub({ maxClients: config.streamMaxClients, maxBufferedBytes });
    app.decorate('streamHub', hub);
    app.metrics.bindStream(() => hub.state());

    const follower = createFollower({
      hub,
      versions: sidebarVersions,
      backstopMs: followBackstopMs,
      async load() {
        const read = await sidebarService.getSidebar();
        return { version: read.version, etag: read.snapshot.etag, body: read.snapshot.identity.toString() };
      },
    });
    follower.start();
    const heartbeatTimer = setInterval(() => hub.heartbeat(), heartbeatMs);
    heartbeatTimer.unref();

    app.get(
      paths.stream,
      {
        schema: {
          tags: ['sidebar'],
          summary: 'The sidebar as Server-Sent Events: the whole sidebar on connect, then a delta per new version',
          description:
            'text/event-stream. `event: sidebar` (data: the body GET /sidebar answers, id: its version) on connect; then `event: delta` (data: {from, to, etag, order, added, changed, totals, refreshed_at, source}; id: the new version) per new version; `: keep-alive` comments every 15 s. Last-Event-ID resumes: nothing when current, one delta when one version behind, the whole sidebar otherwise. 503 with Retry-After past STREAM_MAX_CLIENTS.',
          response: { 503: ErrorRef },
        },
      },
      async (request, reply) => {
        if (!hub.hasRoom())
          throw new HttpError(503, 'This instance serves as many streams as it may; retry (another instance may have room)', { 'retry-after': '5' });
        await follower.follow();
        reply.hijack();
        const res = reply.raw;
        res.writeHead(200, {
          'content-type': 'text/event-stream; charset=utf-8',
          'cache-control': 'no-cache, no-transform',
          'x-accel-buffering': 'no',
          connection: 'keep-alive',
        });
        res.write('retry: 2000\n\n');
        hub.add(res, lastEventId(request.headers['last-event-id']));
      },
    );

    app.addHook('preClose', async () => {
      follower.stop();
      clearInterval(heartbeatTimer);
      hub.closeAll();
    });
  },
  { name: 'stream', fastify: '5.x', dependencies: ['sidebar', 'observability'] },
);
