import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createSidebarClient, type Sidebar, type SidebarUpdate } from '@sportsbook/sidebar-client';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { paths } from '../../../src/contract/index.js';
import { sidebarDelta } from '../../../src/stream/delta.js';

/**
 * The client's side of the stream protocol, against a server that plays a script per
 * connection (the service's own stream is tested in test/integration/client.test.ts): resuming
 * with Last-Event-ID, resynchronising after a missed version, falling back to polling.
 */
const sidebar = (games: number): Sidebar => ({
  sports: [
    {
      sport_id: 'soccer',
      sport: 'Soccer',
      icon: null,
      priority: 1,
      game_count: games,
      live_game_count: 0,
      leagues: [{ league_id: 'epl', league: 'EPL', icon: null, priority: 1, game_count: games, live_game_count: 0, next_start: null, region: 'England' }],
    },
  ],
  totals: { sports: 1, leagues: 1, game_count: games, live_game_count: 0 },
  refreshed_at: '2026-11-26T12:00:00.000Z',
  source: 'materialized_view',
  // The scripts below send sidebar(n) as version n.
  version: games,
});
const sse = (res: ServerResponse, frames: string[], end = true) => {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  for (const frame of frames) res.write(frame);
  if (end) res.end();
};
const full = (version: number, body: Sidebar) => `event: sidebar\nid: ${version}\ndata: ${JSON.stringify(body)}\n\n`;
const delta = (from: number, to: number, prev: Sidebar, next: Sidebar) =>
  `event: delta\nid: ${to}\ndata: ${JSON.stringify({ from, to, etag: `"v${to}"`, ...sidebarDelta(prev, next) })}\n\n`;

describe('subscribeSidebar() and the stream protocol', () => {
  let server: Server | null = null;
  const closers: Array<() => void> = [];
  afterEach(async () => {
    for (const close of closers.splice(0)) close();
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
  });

  /** A server answering the stream's connections with the script's steps, in turn; each gets the request. */
  async function scripted(streamSteps: Array<(req: IncomingMessage, res: ServerResponse) => void>, get?: (req: IncomingMessage, res: ServerResponse) => void) {
    const lastEventIds: Array<string | undefined> = [];
    server = createServer((req, res) => {
      if (req.url?.startsWith(paths.stream)) {
        lastEventIds.push(req.headers['last-event-id'] as string | undefined);
        const step = streamSteps[lastEventIds.length - 1];
        if (step) step(req, res);
        else sse(res, [], false); // later connections: held open, silent
      } else if (get) get(req, res);
      else res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
    return { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, lastEventIds };
  }

  it('resumes an ended stream after its retry with Last-Event-ID, applying the deltas sent; a delta from a version not held makes it reconnect without one', async () => {
    const { base, lastEventIds } = await scripted([
      (_req, res) => sse(res, ['retry: 20\n\n', full(5, sidebar(5))]),
      (_req, res) => sse(res, [delta(5, 6, sidebar(5), sidebar(6))]),
      // Version 7 was missed: this delta does not apply to what the client holds.
      (_req, res) => sse(res, [delta(7, 8, sidebar(7), sidebar(8))], false),
      (_req, res) => sse(res, [full(8, sidebar(8))], false),
    ]);
    const seen: Array<{ games: number } & SidebarUpdate> = [];
    const subscription = createSidebarClient({ baseUrl: base }).subscribeSidebar({}, (body, update) => seen.push({ games: body.totals.game_count, ...update }));
    closers.push(() => subscription.close());
    await vi.waitFor(() => expect(seen).toHaveLength(3));
    expect(seen).toEqual([
      { games: 5, version: 5, via: 'stream' },
      { games: 6, version: 6, via: 'stream' },
      { games: 8, version: 8, via: 'stream' },
    ]);
    expect(lastEventIds).toEqual([undefined, '5', '6', undefined]);
  });

  it('an answer that is not a stream (a proxy that does not pass them) falls back to GET with If-None-Match, then tries the stream again', async () => {
    const gets: Array<string | undefined> = [];
    let games = 3;
    const { base, lastEventIds } = await scripted(
      [
        (_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'),
        (_req, res) => sse(res, ['retry: 10\n\n', full(9, sidebar(9))], false),
      ],
      (req, res) => {
        gets.push(req.headers['if-none-match'] as string | undefined);
        if (req.headers['if-none-match'] === `"g${games}"`) res.writeHead(304).end();
        else res.writeHead(200, { 'content-type': 'application/json', etag: `"g${games}"` }).end(JSON.stringify(sidebar(games)));
      },
    );
    const seen: Array<{ games: number } & SidebarUpdate> = [];
    const errors: unknown[] = [];
    const subscription = createSidebarClient({ baseUrl: base }).subscribeSidebar(
      {},
      (body, update) => seen.push({ games: body.totals.game_count, ...update }),
      {
        pollMs: 20,
        maxRetryMs: 200,
        onError: (err) => errors.push(err),
      },
    );
    closers.push(() => subscription.close());
    await vi.waitFor(() => expect(gets.length).toBeGreaterThanOrEqual(3));
    games = 4;
    await vi.waitFor(() => expect(seen.map((s) => s.games)).toEqual([3, 4, 9]), { timeout: 3000 });
    expect(seen.slice(0, 2).every((s) => s.via === 'poll' && s.version === null)).toBe(true);
    expect(gets.slice(0, 3)).toEqual([undefined, '"g3"', '"g3"']);
    expect(errors[0]).toEqual(new Error('the stream answered without text/event-stream'));
    // Back on the stream, from scratch: what polling brought is not a version to resume from.
    expect(lastEventIds).toEqual([undefined, undefined]);
    expect(subscription.status).toBe('live');
  });

  it('when polling fails too it is offline, keeps what it holds, and recovers', async () => {
    let up = false;
    const down = '{"statusCode":503,"error":"Service Unavailable","message":"down","requestId":"r"}';
    const { base } = await scripted(
      [0, 1, 2, 3, 4, 5, 6, 7].map(() => (_req, res) => res.writeHead(503, { 'retry-after': '1' }).end()),
      (_req, res) => {
        if (up) res.writeHead(200, { 'content-type': 'application/json', etag: '"x"' }).end(JSON.stringify(sidebar(2)));
        else res.writeHead(503, { 'content-type': 'application/json', 'retry-after': '1' }).end(down);
      },
    );
    const statuses: string[] = [];
    const errors: unknown[] = [];
    const onChange = vi.fn();
    const subscription = createSidebarClient({ baseUrl: base }).subscribeSidebar({}, onChange, {
      pollMs: 20,
      onStatus: (s) => statuses.push(s),
      onError: (err) => errors.push(err),
    });
    closers.push(() => subscription.close());
    await vi.waitFor(() => expect(statuses).toContain('offline'));
    expect(onChange).not.toHaveBeenCalled();
    expect(errors).toContainEqual(expect.objectContaining({ status: 503, retryAfter: 1, body: expect.objectContaining({ message: 'down' }) }));
    up = true;
    await vi.waitFor(() => expect(onChange).toHaveBeenCalledTimes(1));
    expect(subscription.status).toBe('polling');
  });

  it('close() stops it: no more requests, and the status is closed', async () => {
    const { base, lastEventIds } = await scripted([(_req, res) => sse(res, ['retry: 10\n\n', full(1, sidebar(1))])]);
    const onChange = vi.fn();
    const controller = new AbortController();
    const subscription = createSidebarClient({ baseUrl: base }).subscribeSidebar({}, onChange, { signal: controller.signal });
    await vi.waitFor(() => expect(onChange).toHaveBeenCalledTimes(1));
    controller.abort();
    expect(subscription.status).toBe('closed');
    const connections = lastEventIds.length;
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(lastEventIds).toHaveLength(connections);
  });
});
