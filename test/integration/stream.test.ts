import { applyRegionSidebarDelta, applySidebarDelta } from '@sportsbook/sidebar-client';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type DeltaVersions, paths, type RegionSidebar, type RegionSidebarDelta, type Sidebar, type SidebarDelta } from '../../src/contract/index.js';
import { insertEventBySql, insertEvents } from '../fixtures/events.js';
import { asAdmin, buildTestApp, listening } from '../helpers/app.js';
import { backends, useFixtureBackend } from '../helpers/backends.js';
import { openSse, type SseClient } from '../helpers/sse.js';

describe.each(backends)('GET /api/v1/shared/sidebar/stream on $name', (backend) => {
  const fixture = useFixtureBackend(backend);
  const apps: FastifyInstance[] = [];
  const clients: SseClient[] = [];
  let events = 0;

  async function serve(overrides = {}): Promise<{ app: FastifyInstance; base: string }> {
    // Every client here connects from one address, which may hold every slot (fairness.test.ts shares them out).
    const app = await buildTestApp(
      { db: fixture.db.db, cache: fixture.cache.cache, prefix: `${fixture.cache.prefix}:stream${apps.length}` },
      { streamMaxSharePerAddress: 1, ...overrides },
    );
    apps.push(app);
    return { app, base: await listening(app) };
  }
  const open = async (url: string, headers: Record<string, string> = {}) => {
    const client = await openSse(url, headers);
    clients.push(client);
    return client;
  };
  const sidebarOf = async (app: FastifyInstance) => (await app.inject({ method: 'GET', url: paths.sidebar })).json<Sidebar>();
  const change = async (app: FastifyInstance) => {
    await insertEventBySql(fixture.db.db, `stream-${++events}`, { league: `stream-league-${events}` });
    const refreshed = await app.inject({ method: 'POST', url: paths.refresh, headers: asAdmin });
    return refreshed.json<{ id: number }>().id;
  };

  afterEach(async () => {
    for (const client of clients.splice(0)) client.close();
    await Promise.all(apps.splice(0).map((app) => app.close()));
  });

  it('sends the whole sidebar on connect, then a delta per new version; applying them gives what GET answers', async () => {
    const { app, base } = await serve();
    const stream = await open(`${base}${paths.stream}`);
    expect(stream.status).toBe(200);
    expect(stream.headers['content-type']).toMatch(/^text\/event-stream/);
    expect(stream.headers['cache-control']).toBe('no-cache, no-transform');
    const first = await stream.next();
    expect(first.event).toBe('sidebar');
    let held = JSON.parse(first.data) as Sidebar;
    expect(held).toEqual(await sidebarOf(app));
    for (let i = 0; i < 3; i++) {
      const version = await change(app);
      const delta = await stream.next();
      expect(delta).toMatchObject({ event: 'delta', id: String(version) });
      const body = JSON.parse(delta.data) as SidebarDelta & { from: number; to: number; etag: string };
      expect(body.to).toBe(version);
      held = applySidebarDelta(held, body);
      expect(held).toEqual(await sidebarOf(app));
    }
  });

  it('Last-Event-ID: the current version gets nothing, one behind gets one delta, anything else the whole sidebar', async () => {
    const { app, base } = await serve();
    const before = await open(`${base}${paths.stream}`);
    const older = Number((await before.next()).id);
    const version = await change(app);
    await before.next(); // the delta: the hub holds the new version
    const behind = await open(`${base}${paths.stream}`, { 'last-event-id': String(older) });
    expect(await behind.next()).toMatchObject({ event: 'delta', id: String(version) });
    const unknown = await open(`${base}${paths.stream}`, { 'last-event-id': '1' });
    expect(await unknown.next()).toMatchObject({ event: 'sidebar', id: String(version) });
    const current = await open(`${base}${paths.stream}`, { 'last-event-id': String(version) });
    await expect(current.next(300)).rejects.toThrow(/no event/);
  });

  it('past STREAM_MAX_CLIENTS, a connection gets 503 with Retry-After in the error shape', async () => {
    const { base } = await serve({ streamMaxClients: 1 });
    const first = await open(`${base}${paths.stream}`);
    await first.next();
    const refused = await open(`${base}${paths.stream}`);
    await refused.ended;
    expect(refused.status).toBe(503);
    expect(refused.headers['retry-after']).toBe('5');
    expect(JSON.parse(refused.body())).toMatchObject({ statusCode: 503, error: 'Service Unavailable' });
    const stats = await apps[0]?.inject({ method: 'GET', url: paths.stats, headers: asAdmin });
    expect(stats?.json().stream).toMatchObject({ clients: 1, dropped: 0, version: expect.any(Number) });
    const metrics = (await apps[0]?.inject({ method: 'GET', url: paths.metrics }))?.body ?? '';
    expect(metrics).toMatch(/^sidebar_stream_clients 1$/m);
    expect(metrics).toMatch(/^sidebar_stream_dropped_total 0$/m);
  });

  it('?window=live is a stream of its own: the live sidebar on connect, then its deltas; STREAM_MAX_CLIENTS counts every variant', async () => {
    const { app, base } = await serve({ streamMaxClients: 2 });
    const liveOf = async () => (await app.inject({ method: 'GET', url: `${paths.sidebar}?window=live` })).json<Sidebar>();
    const stream = await open(`${base}${paths.stream}?window=live`);
    const first = await stream.next();
    expect(first.event).toBe('sidebar');
    let held = JSON.parse(first.data) as Sidebar;
    expect(held).toEqual(await liveOf());
    expect(held.sports.every((s) => s.game_count === s.live_game_count)).toBe(true);
    await insertEventBySql(fixture.db.db, `stream-live-${++events}`, { league: `stream-live-${events}`, status: 'live' });
    const version = (await app.inject({ method: 'POST', url: paths.refresh, headers: asAdmin })).json<{ id: number }>().id;
    const delta = await stream.next();
    expect(delta).toMatchObject({ event: 'delta', id: String(version) });
    held = applySidebarDelta(held, JSON.parse(delta.data) as SidebarDelta & DeltaVersions);
    expect(held).toEqual(await liveOf());
    expect(held.sports.some((s) => s.leagues.some((l) => l.league_id === `stream-live-${events}`))).toBe(true);
    const plain = await open(`${base}${paths.stream}`);
    expect((await plain.next()).event).toBe('sidebar');
    const refused = await open(`${base}${paths.stream}?window=live`);
    await refused.ended;
    expect(refused.status).toBe(503);
    expect(app.streamHub.state().clients).toBe(2);
    const bad = await open(`${base}${paths.stream}?window=soon`);
    await bad.ended;
    expect(bad.status).toBe(400);
  });

  it('?group=region&jurisdiction=FR&lang=es is a stream of its own: that sidebar on connect, then deltas of whole sports that lead to what GET answers', async () => {
    const { app, base } = await serve();
    const query = 'group=region&jurisdiction=FR&lang=es';
    const current = async () => (await app.inject({ method: 'GET', url: `${paths.sidebar}?${query}` })).json<RegionSidebar>();
    const stream = await open(`${base}${paths.stream}?${query}`);
    const first = await stream.next();
    expect(first.event).toBe('sidebar');
    let held = JSON.parse(first.data) as RegionSidebar;
    expect(held).toEqual(await current());
    // A live EPL game (France allows the EPL): soccer changes, in its England region; the other sports do not.
    await insertEvents(fixture.db.db, [{ id: `stream-region-${++events}`, sport: 'soccer', league: 'epl', hoursFromNow: -1 / 6, status: 'live' }]);
    // And a darts league, which France does not allow: nothing of it shows.
    await insertEventBySql(fixture.db.db, `stream-${++events}`, { league: `stream-league-${events}` });
    const version = (await app.inject({ method: 'POST', url: paths.refresh, headers: asAdmin })).json<{ id: number }>().id;
    const message = await stream.next();
    expect(message).toMatchObject({ event: 'delta', id: String(version) });
    const delta = JSON.parse(message.data) as RegionSidebarDelta & DeltaVersions;
    expect(delta.changed).toEqual([]);
    expect(delta.added.map((s) => s.sport_id)).toEqual(['soccer']);
    expect(delta.added[0]?.sport).toBe('Fútbol');
    held = applyRegionSidebarDelta(held, delta);
    expect(held).toEqual(await current());
    expect(held.sports.find((s) => s.sport_id === 'soccer')?.regions.find((r) => r.region_id === 'england')?.live_game_count).toBeGreaterThan(0);
    const refused = await open(`${base}${paths.stream}?group=region&jurisdiction=XX`);
    await refused.ended;
    expect(refused.status).toBe(400);
  });

  it("languages without names share the default names' stream (no stream of their own); pt-PT is pt's", async () => {
    const { app, base } = await serve();
    for (const lang of ['fr', 'fr-CA', 'xx']) {
      const stream = await open(`${base}${paths.stream}?lang=${lang}`);
      expect(JSON.parse((await stream.next()).data)).toEqual(await sidebarOf(app));
    }
    expect(app.streamHub.state()).toMatchObject({ clients: 3, variants: 1 });
    const pt = await open(`${base}${paths.stream}?lang=pt-PT`);
    const ptBody = JSON.parse((await pt.next()).data) as Sidebar;
    expect(ptBody).toEqual((await app.inject({ method: 'GET', url: `${paths.sidebar}?lang=pt` })).json<Sidebar>());
    await open(`${base}${paths.stream}?lang=pt`);
    expect(app.streamHub.state()).toMatchObject({ clients: 5, variants: 2 });
  });

  it('a stream whose jurisdiction a new version no longer knows ends, and reconnecting gets the 400', async () => {
    const { app, base } = await serve();
    const refresh = () => app.inject({ method: 'POST', url: paths.refresh, headers: asAdmin });
    await fixture.db.db.query(`insert into sidebar_jurisdictions (code, name) values ('US-NY', 'New York')`);
    try {
      expect((await refresh()).statusCode).toBe(200);
      const stream = await open(`${base}${paths.stream}?jurisdiction=US-NY`);
      expect((await stream.next()).event).toBe('sidebar');
      expect(app.streamHub.state()).toMatchObject({ clients: 1, variants: 2 });
      await fixture.db.db.query(`delete from sidebar_jurisdictions where code = 'US-NY'`);
      expect((await refresh()).statusCode).toBe(200);
      await stream.ended;
      expect(app.streamHub.state()).toMatchObject({ clients: 0, variants: 1 });
      const again = await open(`${base}${paths.stream}?jurisdiction=US-NY`);
      await again.ended;
      expect(again.status).toBe(400);
    } finally {
      await fixture.db.db.query(`delete from sidebar_jurisdictions where code = 'US-NY'`);
    }
  });

  it('a stream per time window and zone; at most SIDEBAR_VARIANTS_MAX variants streamed, idle ones stopped for new ones, a 503 when all have clients', async () => {
    const { app, base } = await serve({ variantsMax: 3 });
    const url = `${paths.sidebar}?window=today&tz=Asia/Kathmandu`;
    const today = await open(`${base}${paths.stream}?window=today&tz=asia/kathmandu`);
    expect(JSON.parse((await today.next()).data)).toEqual((await app.inject({ method: 'GET', url })).json());
    const live = await open(`${base}${paths.stream}?window=live`);
    await live.next();
    expect(app.streamHub.state()).toMatchObject({ clients: 2, variants: 3 });
    today.close();
    await vi.waitFor(() => expect(app.streamHub.state().clients).toBe(1));
    const next = await open(`${base}${paths.stream}?window=next_24h`); // today's stream, idle, makes room
    expect((await next.next()).event).toBe('sidebar');
    expect(app.streamHub.state()).toMatchObject({ clients: 2, variants: 3 });
    const refused = await open(`${base}${paths.stream}?window=today`); // live and next_24h have clients
    await refused.ended;
    expect(refused.status).toBe(503);
    const stats = (await app.inject({ method: 'GET', url: paths.stats, headers: asAdmin })).json<{ stream: unknown }>();
    expect(stats.stream).toMatchObject({ clients: 2, variants: 3 });
    const bad = await open(`${base}${paths.stream}?window=today&tz=Nowhere/Atlantis`);
    await bad.ended;
    expect(bad.status).toBe(400);
  });

  it('closing the app ends every stream', async () => {
    const { app, base } = await serve();
    const stream = await open(`${base}${paths.stream}`);
    await stream.next();
    await app.close();
    await stream.ended;
    expect(app.streamHub.state().clients).toBe(0);
  });
});
