import { createSidebarClient, type RegionSidebar, type Sidebar, SidebarApiError, type SubscriptionStatus } from '@sportsbook/sidebar-client';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { paths } from '../../src/contract/index.js';
import { insertEventBySql } from '../fixtures/events.js';
import { adminApiKey, asAdmin, buildTestApp, listening } from '../helpers/app.js';
import { backends, useFixtureBackend } from '../helpers/backends.js';

/**
 * The typed client (packages/client) against the real service: every call, the ETags, the
 * stream with its deltas, and the polling it falls back to.
 */
describe.each(backends)('the typed client against the service on $name', (backend) => {
  const fixture = useFixtureBackend(backend);
  const apps: FastifyInstance[] = [];
  const closers: Array<() => void> = [];
  let events = 0;

  async function serve(overrides = {}): Promise<{ app: FastifyInstance; base: string }> {
    const app = await buildTestApp({ db: fixture.db.db, cache: fixture.cache.cache, prefix: `${fixture.cache.prefix}:client${apps.length}` }, overrides);
    apps.push(app);
    return { app, base: await listening(app) };
  }
  /** A fetch that records the status of every answer. */
  const recording = () => {
    const statuses: number[] = [];
    const fetchImpl: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      statuses.push(response.status);
      return response;
    };
    return { statuses, fetchImpl };
  };
  const sidebarOf = async (app: FastifyInstance, query = '') => (await app.inject({ method: 'GET', url: `${paths.sidebar}${query}` })).json<Sidebar>();
  const change = async (app: FastifyInstance) => {
    await insertEventBySql(fixture.db.db, `client-${++events}`, { league: `client-league-${events}` });
    expect((await app.inject({ method: 'POST', url: paths.refresh, headers: asAdmin })).statusCode).toBe(200);
  };

  afterEach(async () => {
    for (const close of closers.splice(0)) close();
    await Promise.all(apps.splice(0).map((app) => app.close()));
  });

  describe('getSidebar()', () => {
    it('answers what GET /sidebar answers; asked again it sends If-None-Match, and the 304 gives the same object', async () => {
      const { app, base } = await serve();
      const { statuses, fetchImpl } = recording();
      const client = createSidebarClient({ baseUrl: base, fetch: fetchImpl });
      const first = await client.getSidebar();
      expect(first).toEqual(await sidebarOf(app));
      const again = await client.getSidebar();
      expect(statuses).toEqual([200, 304]);
      expect(again).toBe(first);
      await change(app);
      const changed = await client.getSidebar();
      expect(statuses).toEqual([200, 304, 200]);
      expect(changed).not.toBe(first);
      expect(changed).toEqual(await sidebarOf(app));
    });

    it('sends the parameters of a variant, each URL with its own ETag; group=region is typed and shaped by region', async () => {
      const { app, base } = await serve();
      const client = createSidebarClient({ baseUrl: `${base}/` });
      const live = await client.getSidebar({ window: 'live', lang: 'es', jurisdiction: 'gb' });
      expect(live).toEqual(await sidebarOf(app, '?window=live&lang=es&jurisdiction=gb'));
      expect(live.sports.every((s) => s.live_game_count === s.game_count)).toBe(true);
      const regions: RegionSidebar = await client.getSidebar({ group: 'region' });
      expect(regions).toEqual(await sidebarOf(app, '?group=region'));
      expect(regions.sports[0]?.regions.length).toBeGreaterThan(0);
      expect(await client.getSidebar({ window: 'live', lang: 'es', jurisdiction: 'gb' })).toBe(live);
    });

    it('a refused request throws SidebarApiError with the status and the service’s error body', async () => {
      const { base } = await serve();
      const client = createSidebarClient({ baseUrl: base });
      const error = await client.getSidebar({ jurisdiction: 'XX' }).catch((err: unknown) => err);
      expect(error).toBeInstanceOf(SidebarApiError);
      expect(error).toMatchObject({ status: 400, body: { statusCode: 400, message: expect.stringMatching(/known jurisdictions: FR, GB/) } });
      expect((error as Error).message).toMatch(/querystring\/jurisdiction/);
    });

    it('an aborted signal aborts the request', async () => {
      const { base } = await serve();
      const client = createSidebarClient({ baseUrl: base });
      await expect(client.getSidebar({ signal: AbortSignal.abort() })).rejects.toThrow(/abort/i);
    });
  });

  describe('admin calls', () => {
    it('refresh(), stats() and importEvents() with the token; without one they refuse to send, with a wrong one the service answers 401', async () => {
      const { app, base } = await serve();
      const client = createSidebarClient({ baseUrl: base, token: adminApiKey });
      const refreshed = await client.refresh();
      expect(refreshed).toMatchObject({ status: 'success', trigger: 'manual' });
      const stats = await client.stats();
      expect(stats.refreshes.recent[0]?.id).toBe(refreshed.id);
      const second = await client.refresh();
      expect((await client.stats(undefined, { recent: 1 })).refreshes.recent.map((r) => r.id)).toEqual([second.id]);
      expect((await client.stats(undefined, { recent: 2 })).refreshes.recent).toHaveLength(2);
      await expect(client.stats(undefined, { recent: 501 })).rejects.toMatchObject({ status: 400 });
      const imported = await client.importEvents([
        {
          id: 'client-import-1',
          sport_key: 'soccer_epl',
          sport_title: 'EPL',
          commence_time: new Date(Date.now() + 3_600_000).toISOString(),
          home_team: 'A',
          away_team: 'B',
        },
      ]);
      expect(imported).toMatchObject({ read: 1, inserted: 1, rejected: 0 });
      expect((await app.inject({ method: 'GET', url: paths.stats, headers: asAdmin })).json().refreshes.recent[0].id).toBe(second.id);

      const anonymous = createSidebarClient({ baseUrl: base });
      await expect(anonymous.stats()).rejects.toThrow(/admin token/);
      await expect(anonymous.refresh('not-the-key-0123456789')).rejects.toMatchObject({ status: 401, body: { statusCode: 401 } });
    });
  });

  describe('subscribeSidebar()', () => {
    it('holds the sidebar from the stream, and every new version through its delta: what GET answers', async () => {
      const { app, base } = await serve();
      const client = createSidebarClient({ baseUrl: base });
      const seen: Array<{ sidebar: Sidebar; via: string; version: number | null }> = [];
      const statuses: SubscriptionStatus[] = [];
      const subscription = client.subscribeSidebar({}, (sidebar, update) => seen.push({ sidebar, ...update }), { onStatus: (s) => statuses.push(s) });
      closers.push(() => subscription.close());
      await vi.waitFor(() => expect(seen).toHaveLength(1));
      expect(seen[0]?.sidebar).toEqual(await sidebarOf(app));
      for (let i = 0; i < 2; i++) {
        await change(app);
        await vi.waitFor(() => expect(seen).toHaveLength(i + 2));
        expect(seen[i + 1]).toMatchObject({ via: 'stream', sidebar: await sidebarOf(app) });
        expect(seen[i + 1]?.version).toBeGreaterThan(seen[i]?.version ?? 0);
      }
      expect(statuses).toEqual(['live']);
      subscription.close();
      expect(subscription.status).toBe('closed');
    });

    it('group=region: the region deltas applied', async () => {
      const { app, base } = await serve();
      const client = createSidebarClient({ baseUrl: base });
      const seen: RegionSidebar[] = [];
      const subscription = client.subscribeSidebar({ group: 'region' }, (sidebar) => seen.push(sidebar));
      closers.push(() => subscription.close());
      await vi.waitFor(() => expect(seen).toHaveLength(1));
      await change(app);
      await vi.waitFor(() => expect(seen).toHaveLength(2));
      expect(seen[1]).toEqual(await sidebarOf(app, '?group=region'));
    });

    it('when the stream is unavailable (503: the instance is full) it polls with ETags, passing on only what changed', async () => {
      const { app, base } = await serve({ streamMaxClients: 0 });
      const { statuses, fetchImpl } = recording();
      const client = createSidebarClient({ baseUrl: base, fetch: fetchImpl });
      const seen: Array<{ sidebar: Sidebar; via: string }> = [];
      const errors: unknown[] = [];
      const subscription = client.subscribeSidebar({}, (sidebar, update) => seen.push({ sidebar, via: update.via }), {
        pollMs: 50,
        onError: (err) => errors.push(err),
      });
      closers.push(() => subscription.close());
      await vi.waitFor(() => expect(seen).toHaveLength(1));
      expect(seen[0]).toEqual({ via: 'poll', sidebar: await sidebarOf(app) });
      expect(subscription.status).toBe('polling');
      expect(errors[0]).toMatchObject({ status: 503 });
      await vi.waitFor(() => expect(statuses.filter((s) => s === 304).length).toBeGreaterThanOrEqual(2));
      expect(seen).toHaveLength(1);
      await change(app);
      await vi.waitFor(() => expect(seen).toHaveLength(2));
      expect(seen[1]).toEqual({ via: 'poll', sidebar: await sidebarOf(app) });
    });

    it('parameters the service refuses (400) close the subscription and say why', async () => {
      const { base } = await serve();
      const client = createSidebarClient({ baseUrl: base });
      const errors: unknown[] = [];
      const onChange = vi.fn();
      const subscription = client.subscribeSidebar({ jurisdiction: 'XX' }, onChange, { onError: (err) => errors.push(err) });
      await vi.waitFor(() => expect(subscription.status).toBe('closed'));
      expect(errors).toEqual([expect.objectContaining({ status: 400 })]);
      expect(onChange).not.toHaveBeenCalled();
    });
  });
});
