import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { paths, type Sidebar } from '../../src/contract/index.js';
import { asAdmin, buildTestApp } from '../helpers/app.js';
import { backends, useFixtureBackend } from '../helpers/backends.js';

/** Sidebar variants (issue 15, first slice: window=all|live) through the real server, hot path included, on every backend. */
describe.each(backends)('sidebar variants on $name', (backend) => {
  const fixture = useFixtureBackend(backend);
  let app: FastifyInstance;
  let base: string;

  beforeAll(async () => {
    app = await buildTestApp({ db: fixture.db.db, cache: fixture.cache.cache, prefix: `${fixture.cache.prefix}:variants` }, { variantsMax: 4 });
    await app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  });
  afterAll(() => app.close());

  const live = `${paths.sidebar}?window=live`;
  const body = async (res: Response) => (await res.json()) as Sidebar;

  /** Live games per (sport, league), counted by a query of the test's own over odds_events. */
  async function liveBySql(): Promise<Map<string, number>> {
    const { rows } = await fixture.db.db.query<{ sport_id: string; league_id: string; n: number }>(
      `select sport_id, league_id, count(*)::int as n from odds_events
       where status = 'live' and commence_time < now() + (select event_horizon from sidebar_settings)
       group by sport_id, league_id`,
    );
    return new Map(rows.map((r) => [`${r.sport_id}/${r.league_id}`, r.n]));
  }

  it('window=live lists exactly the leagues with live games, counted as SQL counts them, in the full sidebar order', async () => {
    const [full, variant] = await Promise.all([fetch(`${base}${paths.sidebar}`).then(body), fetch(`${base}${live}`).then(body)]);
    const expected = await liveBySql();
    const got = new Map(variant.sports.flatMap((s) => s.leagues.map((l) => [`${s.sport_id}/${l.league_id}`, l.game_count] as const)));
    expect(got).toEqual(expected);
    expect(variant.sports.flatMap((s) => s.leagues.map((l) => [l.live_game_count, l.next_start]))).toEqual(
      variant.sports.flatMap((s) => s.leagues.map((l) => [l.game_count, null])),
    );
    const order = (sb: Sidebar) => sb.sports.flatMap((s) => s.leagues.map((l) => `${s.sport_id}/${l.league_id}`));
    expect(order(variant)).toEqual(order(full).filter((key) => expected.has(key)));
    const total = [...expected.values()].reduce((a, b) => a + b, 0);
    expect(variant.totals).toEqual({
      sports: new Set([...expected.keys()].map((k) => k.split('/')[0])).size,
      leagues: expected.size,
      game_count: total,
      live_game_count: total,
    });
    expect(variant.refreshed_at).toBe(full.refreshed_at);
  });

  it('a variant has its own validator and CDN tag, answers If-None-Match with 304, and is served by the hot path once asked for', async () => {
    const first = await fetch(`${base}${live}`, { headers: { 'accept-encoding': 'gzip' } });
    const full = await fetch(`${base}${paths.sidebar}`);
    expect(first.headers.get('etag')).not.toBe(full.headers.get('etag'));
    expect(first.headers.get('surrogate-key')).toBe('sidebar sidebar:window=live');
    expect(first.headers.get('cache-tag')).toBe('sidebar,sidebar:window=live');
    expect(first.headers.get('cache-control')).toBe(full.headers.get('cache-control'));
    const again = await fetch(`${base}${live}`, { headers: { 'accept-encoding': 'gzip' } });
    expect(again.headers.get('x-cache')).toBe('HIT');
    expect(again.headers.get('server-timing')).toMatch(/desc="memory"/);
    expect(again.headers.get('etag')).toBe(first.headers.get('etag'));
    const conditional = await fetch(`${base}${live}`, { headers: { 'if-none-match': String(first.headers.get('etag')) } });
    expect(conditional.status).toBe(304);
  });

  it('one refresh updates every variant: the next answer of window=live shows the new version', async () => {
    const before = await fetch(`${base}${live}`).then(body);
    await fixture.db.db.query(
      `insert into odds_events (id, sport_id, sport, league_id, league, commence_time, status)
       values ('variants-live-1', 'variants', 'Variants', 'variants-l', 'Variants League', now() - interval '10 minutes', 'live')`,
    );
    try {
      expect((await app.inject({ method: 'POST', url: paths.refresh, headers: asAdmin })).statusCode).toBe(200);
      const after = await fetch(`${base}${live}`).then(body);
      expect(after.totals.game_count).toBe(before.totals.game_count + 1);
      expect(after.sports.some((s) => s.sport_id === 'variants')).toBe(true);
    } finally {
      await fixture.db.db.query(`delete from odds_events where id = 'variants-live-1'`);
      await app.inject({ method: 'POST', url: paths.refresh, headers: asAdmin });
    }
  });

  it('an unknown window is a 400 in the error shape naming the parameter and the allowed values; never the full sidebar', async () => {
    const res = await fetch(`${base}${paths.sidebar}?window=tomorrow`);
    expect(res.status).toBe(400);
    const error = (await res.json()) as { statusCode: number; message: string };
    expect(error.statusCode).toBe(400);
    expect(error.message).toBe('querystring/window must be equal to one of the allowed values: all, live');
    // Asked twice: the hot path does not answer a URL the route refused.
    expect((await fetch(`${base}${paths.sidebar}?window=tomorrow`)).status).toBe(400);
  });

  it('keeps at most SIDEBAR_VARIANTS_MAX variants per process', async () => {
    for (let i = 0; i < 10; i++) await fetch(`${base}${paths.sidebar}?window=live&v=${i}`);
    expect(app.sidebarService.variantCount().variants).toBeLessThanOrEqual(4);
    expect(app.sidebarService.variantCount().urls).toBeLessThanOrEqual(16);
  });
});
