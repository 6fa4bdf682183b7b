import type { OutgoingHttpHeaders } from 'node:http';
import fp from 'fastify-plugin';
import type { Config } from '../config/index.js';
import { ErrorRef, paths, VariantQuery } from '../contract/index.js';
import { HttpError } from '../http/errors.js';
import type { Snapshot } from '../sidebar/snapshot.js';
import { UnknownJurisdictionError } from '../sidebar/variants/jurisdictions.js';
import { fullSidebar, type Variant, variantKey, variantOf } from '../sidebar/variants/query.js';
import { regionSidebarDelta } from './delta.js';
import { createFollower } from './follow.js';
import { createStreamHub, type StreamHub } from './hub.js';
import { createSlotPolicy } from './slots.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** The streams of every variant together: clients, dropped, and the full sidebar's version. */
    streamHub: Pick<StreamHub, 'state'>;
  }
}

export interface StreamPluginOptions {
  config: Pick<Config, 'streamMaxClients' | 'streamMaxSharePerAddress' | 'variantsMax'>;
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
 * is one version behind. A variant (`?window=live`) has a stream of its own: its hub and
 * follower are made at its first client, and follow the same versions.
 */
export const streamPlugin = fp<StreamPluginOptions>(
  async (app, { config }) => {
    const { sidebarService, sidebarVersions } = app;
    // One hub and follower per variant asked for, each deriving its variant per version: at most
    // SIDEBAR_VARIANTS_MAX of them (tz alone has hundreds of values). Variants without clients
    // are stopped when room is needed; the full sidebar's always runs.
    const streams = new Map<string, { hub: StreamHub; follower: ReturnType<typeof createFollower> }>();
    let closing = false;
    // Clients dropped by streams since stopped: sidebar_stream_dropped_total is a counter, and must not go down.
    let droppedBefore = 0;
    function stopStream(key: string): void {
      const stream = streams.get(key);
      if (!stream) return;
      stream.follower.stop();
      droppedBefore += stream.hub.state().dropped;
      streams.delete(key);
    }
    function dropIdleStreams(): void {
      for (const [key, { hub }] of streams) if (key !== '' && hub.state().clients === 0) stopStream(key);
    }
    function streamOf(variant: Variant) {
      const key = variantKey(variant);
      let stream = streams.get(key);
      if (!stream) {
        if (streams.size >= config.variantsMax) dropIdleStreams();
        if (streams.size >= config.variantsMax)
          throw new HttpError(503, 'This instance streams as many variants as it may (SIDEBAR_VARIANTS_MAX); retry, or ask for a variant already streamed', {
            'retry-after': '5',
          });
        // A grouped sidebar's deltas send each changed sport whole (delta.ts).
        const hub = createStreamHub({
          maxClients: config.streamMaxClients,
          maxBufferedBytes,
          ...(variant.group === 'region' ? { delta: regionSidebarDelta } : {}),
        });
        const follower = createFollower({
          hub,
          versions: sidebarVersions,
          backstopMs: followBackstopMs,
          async load() {
            const read = await sidebarService.getSidebar();
            let snapshot: Snapshot;
            try {
              snapshot = sidebarService.variant(read, variant);
            } catch (err) {
              // The new version refuses this variant (its jurisdiction was removed): its clients'
              // streams end, and their reconnection gets the 400 that says why.
              if (err instanceof UnknownJurisdictionError) {
                hub.closeAll();
                // (A load that finishes late must not stop a newer stream of the same variant.)
                if (streams.get(key)?.hub === hub) stopStream(key);
              }
              throw err;
            }
            return { version: read.version, etag: snapshot.etag, body: snapshot.identity.toString() };
          },
        });
        follower.start();
        stream = { hub, follower };
        streams.set(key, stream);
      }
      return stream;
    }
    const perAddress = Math.max(1, Math.floor(config.streamMaxClients * config.streamMaxSharePerAddress));
    const slots = createSlotPolicy({ max: config.streamMaxClients, perAddress });
    const full = streamOf(fullSidebar);
    const state = () => {
      let clients = 0;
      let dropped = droppedBefore;
      for (const { hub } of streams.values()) {
        const one = hub.state();
        clients += one.clients;
        dropped += one.dropped;
      }
      return { clients, dropped, maxClients: config.streamMaxClients, version: full.hub.state().version, variants: streams.size };
    };
    app.decorate('streamHub', { state });
    app.metrics.bindStream(state);

    const heartbeatTimer = setInterval(() => {
      for (const { hub } of streams.values()) hub.heartbeat();
    }, heartbeatMs);
    heartbeatTimer.unref();

    app.get<{ Querystring: VariantQuery }>(
      paths.stream,
      {
        schema: {
          querystring: VariantQuery,
          tags: ['sidebar'],
          summary: 'The sidebar as Server-Sent Events: the whole sidebar on connect, then a delta per new version',
          description:
            'text/event-stream. `event: sidebar` (data: the body GET /sidebar answers, id: its version) on connect; then `event: delta` (data: {from, to, etag, order, added, changed, totals, refreshed_at, source}; id: the new version) per new version; `: keep-alive` comments every 15 s. Last-Event-ID resumes: nothing when current, one delta when one version behind, the whole sidebar otherwise. ?window=…&tz=…&group=…&lang=…&jurisdiction=…: the same for that variant of the sidebar (a jurisdiction not configured: 400); with group=region, each delta carries every new or changed sport whole in `added`, and `changed` is empty. 503 with Retry-After past STREAM_MAX_CLIENTS (all variants together).',
          response: { 503: ErrorRef },
        },
      },
      async (request, reply) => {
        // STREAM_MAX_CLIENTS bounds the streams of every variant together, shared fairly between addresses.
        if (closing) throw new HttpError(503, 'This instance is shutting down; retry (another instance has room)', { 'retry-after': '5' });
        const slot = slots.decide(request.ip);
        if (!slot.admit && slot.reason === 'address')
          throw new HttpError(429, `This address holds as many streams as one address may here (${perAddress}); retry later, or read the sidebar with GET`, {
            'retry-after': '5',
          });
        if (!slot.admit)
          throw new HttpError(503, 'This instance serves as many streams as it may; retry (another instance may have room)', { 'retry-after': '5' });
        // Resolved against the current version before a stream is made for it: languages without
        // names share the default names' stream, and an unknown jurisdiction is a 400.
        const variant = sidebarService.resolve(await sidebarService.getSidebar(), variantOf(request.query));
        const { hub, follower } = streamOf(variant);
        await follower.follow();
        reply.hijack();
        const res = reply.raw;
        res.writeHead(200, {
          // What the hooks set on the reply (CORS for a page on another origin, the request id):
          // a hijacked reply would not send them.
          ...(reply.getHeaders() as OutgoingHttpHeaders),
          'content-type': 'text/event-stream; charset=utf-8',
          'cache-control': 'no-cache, no-transform',
          'x-accel-buffering': 'no',
          connection: 'keep-alive',
        });
        res.write('retry: 2000\n\n');
        // Room for this one: the largest holder's newest stream ends (its client reconnects).
        slot.evict?.end();
        slots.hold(request.ip, res);
        hub.add(res, lastEventId(request.headers['last-event-id']));
      },
    );

    app.addHook('preClose', async () => {
      closing = true;
      clearInterval(heartbeatTimer);
      for (const { hub, follower } of streams.values()) {
        follower.stop();
        hub.closeAll();
      }
    });
  },
  { name: 'stream', fastify: '5.x', dependencies: ['sidebar', 'observability'] },
);
