import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import SwaggerParser from '@apidevtools/swagger-parser';
import type { FastifyInstance } from 'fastify';
import { SignJWT } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { paths, type Sidebar as SidebarResponse } from '../../src/contract/index.js';
import { expectedSidebar, insertEvents, loadFixtures } from '../fixtures/events.js';
import { asAdmin, buildTestApp, jwtSecret } from '../helpers/app.js';
import { backends, latestMigration, type TestCache, type TestDb } from '../helpers/backends.js';

const sidebarUrl = '/api/v1/shared/sidebar';

async function jwt(claims: Record<string, unknown>, secret = jwtSecret, expiresIn = '5m'): Promise<string> {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject('user-1')
    .setIssuedAt()
    .setExpirationTime(expiresIn)
    .sign(new TextEncoder().encode(secret));
}

describe.each(backends)('HTTP API on $name', (backend) => {
  let testDb: TestDb;
  let testCache: TestCache;
  let app: FastifyInstance;

  const get = (url: string, headers: Record<string, string> = {}) => app.inject({ method: 'GET', url, headers });
  const refresh = (headers: Record<string, string> = asAdmin) => app.inject({ method: 'POST', url: `${sidebarUrl}/refresh`, headers });
  // Events a test adds are removed after it (and the view refreshed), so every test starts from the fixtures.
  const added: string[] = [];
  const addEvent = async (id: string, league = 'nba') => {
    added.push(id);
    await insertEvents(testDb.db, [{ id, sport: 'basketball', league }]);
  };

  beforeAll(async () => {
    testDb = await backend.createDb();
    testCache = await backend.createCache();
    await loadFixtures(testDb.db);
    await testDb.db.query(`select refresh_sidebar_data('startup')`);
    app = await buildTestApp({ db: testDb.db, cache: testCache.cache, prefix: testCache.prefix });
  });
  afterEach(async () => {
    if (!added.length) return;
    await testDb.db.query('delete from odds_events where id = any($1)', [added.splice(0)]);
    await app.sidebarService.refresh('manual');
  });
  afterAll(async () => {
    await app?.close();
    await testCache?.cleanup();
    await testDb?.drop();
  });

  describe('GET /api/v1/shared/sidebar', () => {
    it('answers a MISS from the view, then a HIT with the same body', async () => {
      await app.sidebarService.invalidate();
      const first = await get(sidebarUrl);
      expect(first.statusCode).toBe(200);
      expect(first.headers['x-cache']).toBe('MISS');
      expect(first.headers['content-type']).toBe('application/json; charset=utf-8');
      const body = first.json<SidebarResponse>();
      expect(body.source).toBe('materialized_view');
      expect(body.refreshed_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);

      const second = await get(sidebarUrl);
      expect(second.headers['x-cache']).toBe('HIT');
      expect(second.body).toBe(first.body);
    });

    it('lists sports and leagues in order with counts, totals, and sport counts equal to the sum of their leagues', async () => {
      const body = (await get(sidebarUrl)).json<SidebarResponse>();
      expect(
        body.sports.map((s) => [s.sport_id, s.game_count, s.live_game_count, s.leagues.map((l) => [l.league_id, l.game_count, l.live_game_count])]),
      ).toEqual(expectedSidebar);
      for (const sport of body.sports) {
        expect(sport.game_count).toBe(sport.leagues.reduce((n, l) => n + l.game_count, 0));
        expect(sport.live_game_count).toBe(sport.leagues.reduce((n, l) => n + l.live_game_count, 0));
      }
      expect(body.totals).toEqual({ sports: 5, leagues: 12, game_count: 24, live_game_count: 7 });
      const handball = body.sports.find((s) => s.sport_id === 'handball');
      expect(handball).toMatchObject({ sport: 'Håndbold', icon: null, priority: null, leagues: [{ league: 'Ελληνική Λίγκα' }] });
      expect(body.sports[0]).toMatchObject({ sport: 'Basketball', icon: '🏀', priority: 20 });
    });

    it('a manual refresh invalidates the cache, so the next read shows new events', async () => {
      await get(sidebarUrl); // warm
      expect((await get(sidebarUrl)).headers['x-cache']).toBe('HIT');
      await addEvent('api-new-1');
      // Still cached until the view is refreshed:
      expect((await get(sidebarUrl)).json<SidebarResponse>().totals.game_count).toBe(24);

      const res = await refresh();
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ status: 'success', trigger: 'manual', row_count: 12, alert_triggered: false });
      const after = await get(sidebarUrl);
      expect(after.headers['x-cache']).toBe('MISS');
      expect(after.json<SidebarResponse>().totals.game_count).toBe(25);
    });

    it('force_refresh=true bypasses the cache for admins', async () => {
      await get(sidebarUrl);
      const res = await get(`${sidebarUrl}?force_refresh=true`, asAdmin);
      expect(res.statusCode).toBe(200);
      expect(res.headers['x-cache']).toBe('MISS');
    });

    it('force_refresh=true needs credentials (401) and an admin role (403)', async () => {
      const anonymous = await get(`${sidebarUrl}?force_refresh=true`);
      expect(anonymous.statusCode).toBe(401);
      expect(anonymous.json()).toMatchObject({ statusCode: 401, error: 'Unauthorized' });
      const user = await get(`${sidebarUrl}?force_refresh=true`, { authorization: `Bearer ${await jwt({ role: 'authenticated' })}` });
      expect(user.statusCode).toBe(403);
      expect((await get(`${sidebarUrl}?force_refresh=false`)).statusCode).toBe(200);
    });

    it('a bad query parameter is a 400 JSON error naming it', async () => {
      const res = await get(`${sidebarUrl}?force_refresh=banana`);
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({ statusCode: 400, error: 'Bad Request', requestId: expect.any(String) });
      expect(res.json().message).toMatch(/force_refresh/);
    });

    it("falls back to the live aggregation when the view is unpopulated, and answers the next read from a copy (X-Cache: HIT; the fallback's brief TTL is checked in sidebar-service.test.ts)", async () => {
      await testDb.db.query('refresh materialized view sidebar_data with no data');
      await app.sidebarService.invalidate();
      const res = await get(sidebarUrl);
      expect(res.statusCode).toBe(200);
      const body = res.json<SidebarResponse>();
      expect(body.source).toBe('fallback');
      expect(body.totals.game_count).toBe(24); // the fixtures: no earlier test's events are left
      expect((await get(sidebarUrl)).headers['x-cache']).toBe('HIT');
      await testDb.db.query(`select refresh_sidebar_data('manual')`);
      await app.sidebarService.invalidate();
    });

    it('falls back when the view has been dropped, with the same sidebar', async () => {
      await app.sidebarService.invalidate();
      const fromView = (await get(sidebarUrl)).json<SidebarResponse>();
      await app.sidebarService.invalidate();
      await testDb.db.query('drop materialized view sidebar_data');
      try {
        const fromFallback = (await get(sidebarUrl)).json<SidebarResponse>();
        expect(fromFallback.source).toBe('fallback');
        expect(fromFallback.sports).toEqual(fromView.sports);
        // A refresh cannot work without the view: logged as error, answered 500 with the log row.
        const res = await refresh();
        expect(res.statusCode).toBe(500);
        expect(res.json()).toMatchObject({ status: 'error' });
      } finally {
        await testDb.db.query('create materialized view sidebar_data as select * from sidebar_source with no data');
        await testDb.db.query('create unique index idx_sidebar_data_sport_league on sidebar_data (sport_id, league_id)');
        await testDb.db.query(`select refresh_sidebar_data('manual')`);
        await app.sidebarService.invalidate();
      }
    });

    it('an unexpected failure is a 500 with a request id and no internals', async () => {
      await app.sidebarService.invalidate();
      const boom = new Error('connection terminated: secret internals');
      const view = vi.spyOn(app.sidebarRepository, 'readView').mockRejectedValue(boom);
      const source = vi.spyOn(app.sidebarRepository, 'readSource').mockRejectedValue(boom);
      try {
        const res = await get(sidebarUrl, { 'x-request-id': 'req-abc-123' });
        expect(res.statusCode).toBe(500);
        expect(res.json()).toEqual({ statusCode: 500, error: 'Internal Server Error', message: 'Internal Server Error', requestId: 'req-abc-123' });
        expect(res.body).not.toMatch(/secret|stack|at /);
      } finally {
        view.mockRestore();
        source.mockRestore();
      }
    });

    it('answers 304 to a client that has the current version, and a new ETag once the data changes', async () => {
      const first = await get(sidebarUrl);
      const etag = String(first.headers.etag);
      expect(etag).toMatch(/^W\/"[\w-]+"$/);
      const revalidated = await get(sidebarUrl, { 'if-none-match': etag });
      expect(revalidated.statusCode).toBe(304);
      expect(revalidated.body).toBe('');
      expect(revalidated.headers.etag).toBe(etag);

      await addEvent('api-etag-1');
      await refresh();
      const changed = await get(sidebarUrl, { 'if-none-match': etag });
      expect(changed.statusCode).toBe(200);
      expect(changed.headers.etag).not.toBe(etag);
    });

    it('caching headers for browsers and CDNs: the configured Cache-Control, Last-Modified from the refresh, a 304 for If-Modified-Since that carries both', async () => {
      const first = await get(sidebarUrl);
      expect(first.headers['cache-control']).toBe('public, max-age=0, s-maxage=1, stale-while-revalidate=2, stale-if-error=3600');
      const { refreshed_at } = first.json<{ refreshed_at: string }>();
      expect(first.headers['last-modified']).toBe(new Date(refreshed_at).toUTCString());
      const since = await get(sidebarUrl, { 'if-modified-since': String(first.headers['last-modified']) });
      expect(since.statusCode).toBe(304);
      expect(since.headers).toMatchObject({
        'cache-control': first.headers['cache-control'],
        'last-modified': first.headers['last-modified'],
        etag: first.headers.etag,
      });
      const before = new Date(Date.parse(refreshed_at) - 2000).toUTCString();
      expect((await get(sidebarUrl, { 'if-modified-since': before })).statusCode).toBe(200);
    });

    it('admin answers, and refusals, are private and never stored', async () => {
      expect((await get(paths.stats, asAdmin)).headers['cache-control']).toBe('private, no-store');
      expect((await get(paths.stats)).headers['cache-control']).toBe('private, no-store');
      expect((await app.inject({ method: 'POST', url: paths.refresh, headers: asAdmin })).headers['cache-control']).toBe('private, no-store');
      expect((await get(`${sidebarUrl}?force_refresh=true`, asAdmin)).headers['cache-control']).toBe('private, no-store');
    });

    it('serves br, gzip or identity by Accept-Encoding, the same bytes decoded, with Vary and Server-Timing', async () => {
      await get(sidebarUrl); // this process's copy is current: all three come from it
      const plain = await get(sidebarUrl);
      const br = await get(sidebarUrl, { 'accept-encoding': 'gzip, deflate, br' });
      const gzip = await get(sidebarUrl, { 'accept-encoding': 'gzip' });
      expect(plain.headers['content-encoding']).toBeUndefined();
      expect(br.headers['content-encoding']).toBe('br');
      expect(gzip.headers['content-encoding']).toBe('gzip');
      expect(brotliDecompressSync(br.rawPayload).toString()).toBe(plain.body);
      expect(gunzipSync(gzip.rawPayload).toString()).toBe(plain.body);
      for (const res of [plain, br, gzip]) {
        expect(res.headers.vary).toMatch(/accept-encoding/i);
        expect(res.headers['server-timing']).toMatch(/^sidebar;desc="memory";dur=\d+\.\d{3}$/);
        expect(Number(res.headers['content-length'])).toBe(res.rawPayload.length);
      }
    });

    it('compresses for clients that accept it, keeping a typical sidebar well under 5 KB on the wire', async () => {
      const res = await get(sidebarUrl, { 'accept-encoding': 'gzip' });
      expect(res.headers['content-encoding']).toBe('gzip');
      expect(res.rawPayload.length).toBeLessThan(5 * 1024);
    });
  });

  describe('over a real socket', () => {
    it('answers a fresh copy on the node:http fast path, identical to the Fastify route, and anything else through Fastify', async () => {
      const address = await app.listen({ port: 0, host: '127.0.0.1' });
      await app.sidebarService.invalidate();
      const viaFastify = vi.spyOn(app.sidebarService, 'getSidebar');
      try {
        const first = await fetch(`${address}${sidebarUrl}`, { headers: { 'accept-encoding': 'identity' } });
        expect(first.headers.get('x-cache')).toBe('MISS');
        expect(viaFastify).toHaveBeenCalledTimes(1);
        const firstBody = await first.text();

        const second = await fetch(`${address}${sidebarUrl}`, { headers: { 'accept-encoding': 'identity' } });
        expect(viaFastify).toHaveBeenCalledTimes(1); // answered before Fastify
        expect(second.status).toBe(200);
        expect(second.headers.get('x-cache')).toBe('HIT');
        expect(second.headers.get('server-timing')).toMatch(/desc="memory"/);
        expect(second.headers.get('etag')).toBe(first.headers.get('etag'));
        expect(await second.text()).toBe(firstBody);

        const notModified = await fetch(`${address}${sidebarUrl}`, { headers: { 'if-none-match': String(first.headers.get('etag')) } });
        expect(notModified.status).toBe(304);
        const gzip = await fetch(`${address}${sidebarUrl}`, { headers: { 'accept-encoding': 'gzip' } });
        expect(gzip.headers.get('content-encoding')).toBe('gzip');
        expect(await gzip.text()).toBe(firstBody); // fetch decodes it

        // A query string goes through Fastify (validation included).
        expect((await fetch(`${address}${sidebarUrl}?force_refresh=nope`)).status).toBe(400);
        expect(viaFastify).toHaveBeenCalledTimes(1);
      } finally {
        viaFastify.mockRestore();
      }
    });
  });

  describe('connections', () => {
    it('keeps idle connections open longer than a load balancer’s usual 60 s idle timeout', async () => {
      const address = app.server.listening
        ? `http://127.0.0.1:${(app.server.address() as { port: number }).port}`
        : await app.listen({ port: 0, host: '127.0.0.1' });
      const res = await fetch(`${address}/health`);
      expect(res.headers.get('keep-alive')).toBe('timeout=72');
    });
  });

  describe('admin endpoints', () => {
    it('refresh: 401 without credentials, 401 with a wrong key, 403 for a non-admin token', async () => {
      expect((await refresh({})).statusCode).toBe(401);
      expect((await refresh({ authorization: 'Bearer wrong-key-wrong-key-wrong' })).statusCode).toBe(401);
      expect((await refresh({ authorization: `Bearer ${await jwt({ role: 'authenticated', app_metadata: { role: 'user' } })}` })).statusCode).toBe(403);
      expect((await refresh({ authorization: `Bearer ${await jwt({ role: 'service_role' }, 'another-secret-another-secret-another')}` })).statusCode).toBe(401);
    });

    it('refresh accepts a Supabase admin JWT and the service_role key', async () => {
      const admin = await refresh({ authorization: `Bearer ${await jwt({ role: 'authenticated', app_metadata: { role: 'admin' } })}` });
      expect(admin.statusCode).toBe(200);
      const service = await refresh({ authorization: `Bearer ${await jwt({ role: 'service_role' })}` });
      expect(service.statusCode).toBe(200);
    });

    it('stats reports refreshes, scheduler, cache and latency', async () => {
      await app.sidebarService.invalidate();
      await get(sidebarUrl); // a miss
      await get(sidebarUrl); // a hit
      const res = await get(`${sidebarUrl}/stats`, asAdmin);
      expect(res.statusCode).toBe(200);
      const stats = res.json();
      expect(stats.refreshes.recent.length).toBeGreaterThan(0);
      expect(stats.refreshes.recent[0]).toMatchObject({ status: expect.any(String), duration_ms: expect.any(Number), alert_triggered: expect.any(Boolean) });
      expect(stats.refreshes.last_24h).toMatchObject({
        refreshes: expect.any(Number),
        alerts: expect.any(Number),
        avg_duration_ms: expect.any(Number),
        p95_duration_ms: expect.any(Number),
      });
      expect(stats.refreshes.last_success_at).toEqual(expect.any(String));
      expect(stats.refreshes.view_age_seconds).toBeGreaterThanOrEqual(0);
      expect(stats.scheduler).toMatchObject({ enabled: false, running: false, interval_seconds: 300 });
      expect(stats.cache).toMatchObject({ backend: backend.cacheKind, connected: true, ttl_seconds: 300 });
      expect(stats.cache.hits).toBeGreaterThan(0);
      expect(stats.cache.misses).toBeGreaterThan(0);
      expect(stats.cache.hit_ratio).toBeCloseTo(stats.cache.hits / (stats.cache.hits + stats.cache.misses), 3);
      expect(stats.requests.sidebar_latency_ms.count).toBeGreaterThan(0);
      expect(stats.requests.sidebar_latency_ms.p99).toBeGreaterThanOrEqual(stats.requests.sidebar_latency_ms.p50);
      expect((await get(`${sidebarUrl}/stats`)).statusCode).toBe(401);
    });
  });

  describe('metrics', () => {
    it('exports request durations by layer, answers, refreshes, view age, scheduler and event loop lag', async () => {
      await app.inject({ method: 'GET', url: sidebarUrl });
      await refresh();
      const res = await get('/metrics');
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/plain/);
      for (const line of [
        /sidebar_http_request_duration_seconds_bucket\{le="0.001",route="\/api\/v1\/shared\/sidebar",method="GET",status_code="200",layer="(memory|cache|database)"\}/,
        /sidebar_answers_total\{layer="database"\} [1-9]/,
        /sidebar_answers_total\{layer="stale"\} \d+/,
        /sidebar_refresh_total\{status="success",trigger="manual"\} [1-9]/,
        /sidebar_refresh_duration_seconds_count\{trigger="manual"\} [1-9]/,
        /sidebar_view_age_seconds \d/,
        /sidebar_scheduler_running 0/,
        /nodejs_eventloop_lag_p99_seconds \d/,
      ]) {
        expect(res.body).toMatch(line);
      }
    });

    it('exports the build, the last success as a timestamp, the refresh in flight, the pool and the cache connection', async () => {
      await refresh();
      const res = await get('/metrics');
      const value = (pattern: RegExp) => Number(pattern.exec(res.body)?.[1]);
      expect(res.body).toMatch(new RegExp(`^sidebar_build_info\\{version="\\d+\\.\\d+\\.\\d+",node="${process.version}"\\} 1$`, 'm'));
      const lastSuccess = value(/^sidebar_refresh_last_success_timestamp_seconds (\S+)$/m);
      expect(Date.now() / 1000 - lastSuccess).toBeGreaterThanOrEqual(0);
      expect(Date.now() / 1000 - lastSuccess).toBeLessThan(60);
      expect(res.body).toMatch(/^sidebar_refresh_in_progress 0$/m);
      expect(res.body).not.toMatch(/^sidebar_refresh_in_progress_since_timestamp_seconds /m);
      expect(res.body).toMatch(new RegExp(`^sidebar_cache_connected\\{backend="${backend.cacheKind}"\\} 1$`, 'm'));
      if (backend.dbKind === 'postgres') {
        expect(value(/^sidebar_db_pool_connections\{state="idle"\} (\d+)$/m)).toBeGreaterThanOrEqual(0);
        expect(res.body).toMatch(/^sidebar_db_pool_waiting_requests 0$/m);
      } else expect(res.body).not.toMatch(/^sidebar_db_pool_connections\{/m);
    });

    it('exports the version served and when it was refreshed, the stream capacity and the settings alerts compare with', async () => {
      const made = (await refresh()).json<{ id: number; finished_at: string }>();
      expect((await get(sidebarUrl)).statusCode).toBe(200);
      const res = await get('/metrics');
      const value = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(res.body)?.[1]);
      expect(value('sidebar_served_version')).toBe(made.id);
      // refreshed_at is kept to the second.
      expect(Math.abs(value('sidebar_served_refreshed_timestamp_seconds') - Date.parse(made.finished_at) / 1000)).toBeLessThan(2);
      expect(value('sidebar_stream_max_clients')).toBe(app.config.streamMaxClients);
      expect(value('sidebar_refresh_alert_threshold_seconds')).toBe(app.config.refreshAlertSeconds);
      expect(value('sidebar_refresh_interval_seconds')).toBe(app.config.refreshIntervalSeconds);
    });

    it('while a refresh is in flight, says so and since when', async () => {
      let release: () => void = () => {};
      const held = new Promise<void>((resolve) => {
        release = resolve;
      });
      // A refresh that waits: the repository's call held open by the test.
      const original = app.sidebarRepository.refresh;
      app.sidebarRepository.refresh = async (...args) => {
        await held;
        return original(...args);
      };
      try {
        const before = Date.now() / 1000;
        const running = app.sidebarService.refresh('manual');
        const res = await get('/metrics');
        expect(res.body).toMatch(/^sidebar_refresh_in_progress 1$/m);
        const since = Number(/^sidebar_refresh_in_progress_since_timestamp_seconds\{trigger="manual"\} (\S+)$/m.exec(res.body)?.[1]);
        expect(since).toBeGreaterThanOrEqual(Math.floor(before));
        expect(since).toBeLessThanOrEqual(Date.now() / 1000);
        release();
        await running;
        expect((await get('/metrics')).body).toMatch(/^sidebar_refresh_in_progress 0$/m);
      } finally {
        release();
        app.sidebarRepository.refresh = original;
      }
    });

    it('needs the token when METRICS_TOKEN is set', async () => {
      const guarded = await buildTestApp({ db: testDb.db, cache: testCache.cache, prefix: testCache.prefix }, { metricsToken: 'metrics-token-0123456789' });
      try {
        expect((await guarded.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(401);
        const ok = await guarded.inject({ method: 'GET', url: '/metrics', headers: { authorization: 'Bearer metrics-token-0123456789' } });
        expect(ok.statusCode).toBe(200);
      } finally {
        await guarded.close();
      }
    });
  });

  describe('errors, health and docs', () => {
    it('unknown routes are 404 JSON; a wrong method on a known route is 405 with Allow', async () => {
      const missing = await get('/api/v1/shared/nope');
      expect(missing.statusCode).toBe(404);
      expect(missing.json()).toMatchObject({ statusCode: 404, error: 'Not Found' });
      const wrongMethod = await app.inject({ method: 'DELETE', url: sidebarUrl });
      expect(wrongMethod.statusCode).toBe(405);
      expect(wrongMethod.headers.allow).toMatch(/GET/);
      expect((await get(`${sidebarUrl}/refresh`)).statusCode).toBe(405);
    });

    it('/health is live and /ready reports the database and migrations', async () => {
      expect((await get('/health')).json()).toEqual({ status: 'ok' });
      const ready = await get('/ready');
      expect(ready.statusCode).toBe(200);
      expect(ready.json()).toMatchObject({
        status: 'ready',
        database: { kind: backend.dbKind, reachable: true },
        migrations: { current: latestMigration, latest: latestMigration, applied: true },
      });
    });

    it('serves an OpenAPI 3.1 document generated from the route schemas, which a validator accepts', async () => {
      const doc = (await get('/docs/json')).json();
      expect(doc.openapi).toBe('3.1.0');
      // What code generators and gateways run first: a schema keyword the version does not allow fails here.
      await expect(SwaggerParser.validate(structuredClone(doc))).resolves.toMatchObject({ openapi: '3.1.0' });
      expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining([sidebarUrl, `${sidebarUrl}/refresh`, `${sidebarUrl}/stats`, '/health', '/ready']));
      const parameters = doc.paths[sidebarUrl].get.parameters as {
        name: string;
        in: string;
        schema: { enum?: string[]; anyOf?: { enum?: string[]; const?: string }[] };
      }[];
      expect(parameters.map((p) => [p.name, p.in])).toEqual([
        ['window', 'query'],
        ['tz', 'query'],
        ['group', 'query'],
        ['lang', 'query'],
        ['jurisdiction', 'query'],
        ['force_refresh', 'query'],
      ]);
      expect(parameters[0]?.schema.enum).toEqual(['all', 'live', 'next_24h', 'today']);
      expect(parameters[1]?.schema).toMatchObject({ type: 'string', format: 'iana-time-zone', default: 'UTC' });
      expect(parameters[2]?.schema.enum).toEqual(['league', 'region']);
      expect(parameters[3]?.schema).toMatchObject({ type: 'string', format: 'bcp47' });
      expect(parameters[4]?.schema).toMatchObject({ type: 'string', pattern: '^[A-Za-z]{2}(-[A-Za-z0-9]{1,3})?$' });
      expect((await get('/docs')).statusCode).toBeLessThan(400);
    });
  });
});
