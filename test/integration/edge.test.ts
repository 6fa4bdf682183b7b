import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { paths } from '../../src/contract/index.js';
import { asAdmin, buildTestApp, listening } from '../helpers/app.js';
import { backends, useFixtureBackend } from '../helpers/backends.js';

/** Tags for CDN purges and the purge call, against a real HTTP server standing in for the CDN's API. */
const backend = backends[0] as (typeof backends)[number];

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

/** A CDN purge API: records each call; answers with `status`, after `delayMs` (or never, with null). */
async function fakeCdn(answer: { status: number; delayMs: number | null }) {
  const seen: Seen[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      const done = () => {
        inFlight--;
        res.writeHead(answer.status).end('{}');
      };
      if (answer.delayMs !== null) setTimeout(done, answer.delayMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    seen,
    maxInFlight: () => maxInFlight,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const until = async (check: () => boolean, ms = 3000) => {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe(`CDN tags and purge on ${backend.name}`, () => {
  const fixture = useFixtureBackend(backend);
  const cleanups: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function serve(overrides: Record<string, unknown> = {}): Promise<{ app: FastifyInstance; base: string }> {
    const app = await buildTestApp({ db: fixture.db.db, cache: fixture.cache.cache, prefix: `${fixture.cache.prefix}:edge${cleanups.length}` }, overrides);
    cleanups.push(() => app.close());
    return { app, base: await listening(app) };
  }
  const refresh = (base: string) => fetch(`${base}${paths.refresh}`, { method: 'POST', headers: asAdmin });

  it('sidebar answers name their tag in Surrogate-Key and Cache-Tag, on the hot path and through Fastify; admin answers do not', async () => {
    const { base } = await serve({ cdnSurrogateKey: 'sportsbook-eu' });
    await fetch(`${base}${paths.sidebar}`);
    const hot = await fetch(`${base}${paths.sidebar}`, { headers: { 'accept-encoding': 'gzip' } });
    expect(hot.headers.get('x-cache')).toBe('HIT');
    expect(hot.headers.get('surrogate-key')).toBe('sportsbook-eu');
    expect(hot.headers.get('cache-tag')).toBe('sportsbook-eu');
    const routed = await fetch(`${base}${paths.sidebar}?force_refresh=false`);
    expect(routed.headers.get('surrogate-key')).toBe('sportsbook-eu');
    const stats = await fetch(`${base}${paths.stats}`, { headers: asAdmin });
    expect(stats.headers.get('surrogate-key')).toBeNull();
  });

  it('with CDN_PURGE_URL, each new version this instance makes is purged by its tag, with the token', async () => {
    const cdn = await fakeCdn({ status: 200, delayMs: 0 });
    cleanups.push(cdn.close);
    const { base } = await serve({ cdnPurgeUrl: `${cdn.url}/service/svc1/purge/{key}`, cdnPurgeToken: 'tok-123', cdnPurgeTokenHeader: 'Fastly-Key' });
    expect((await refresh(base)).status).toBe(200);
    await until(() => cdn.seen.length === 1);
    expect(cdn.seen[0]).toMatchObject({ method: 'POST', url: '/service/svc1/purge/sidebar', body: '{"tags":["sidebar"]}' });
    expect(cdn.seen[0]?.headers['fastly-key']).toBe('tok-123');
    expect(cdn.seen[0]?.headers.authorization).toBeUndefined();
    expect((await refresh(base)).status).toBe(200);
    await until(() => cdn.seen.length === 2);
  });

  it('the default token header is Authorization: Bearer; without CDN_PURGE_URL nothing is called', async () => {
    const cdn = await fakeCdn({ status: 200, delayMs: 0 });
    cleanups.push(cdn.close);
    const { base } = await serve({ cdnPurgeUrl: `${cdn.url}/purge_cache`, cdnPurgeToken: 'tok-456' });
    await refresh(base);
    await until(() => cdn.seen.length === 1);
    expect(cdn.seen[0]?.headers.authorization).toBe('Bearer tok-456');
    const quiet = await serve();
    await refresh(quiet.base);
    await new Promise((r) => setTimeout(r, 200));
    expect(cdn.seen).toHaveLength(1);
  });

  it('a slow, failing CDN API never holds a refresh; calls go one at a time, versions made meanwhile folded into one more', async () => {
    const cdn = await fakeCdn({ status: 503, delayMs: 1500 });
    cleanups.push(cdn.close);
    const { app, base } = await serve({ cdnPurgeUrl: `${cdn.url}/purge` });
    const started = performance.now();
    for (let i = 0; i < 4; i++) expect((await refresh(base)).status).toBe(200);
    // Four refreshes before the first purge is answered: none waited for it.
    expect(performance.now() - started).toBeLessThan(1200);
    await until(() => cdn.seen.length === 2, 5000); // the first, then one for the three made meanwhile
    await new Promise((r) => setTimeout(r, 1700));
    expect(cdn.seen).toHaveLength(2);
    expect(cdn.maxInFlight()).toBe(1);
    const metrics = await app.inject({ url: '/metrics' });
    expect(metrics.body).toMatch(/sidebar_cdn_purges_total\{outcome="failed"\} 2/);
  });

  it('a purge that never answers is cut at CDN_PURGE_TIMEOUT_MS and counted failed; the next version is purged again', async () => {
    const cdn = await fakeCdn({ status: 200, delayMs: null });
    cleanups.push(cdn.close);
    const { app, base } = await serve({ cdnPurgeUrl: `${cdn.url}/purge`, cdnPurgeTimeoutMs: 300 });
    const failed = async () => /sidebar_cdn_purges_total\{outcome="failed"\} 1/.test((await app.inject({ url: '/metrics' })).body);
    await refresh(base);
    let cut = false;
    const end = Date.now() + 3000;
    while (!cut && Date.now() < end) {
      cut = await failed();
      if (!cut) await new Promise((r) => setTimeout(r, 50));
    }
    expect(cut).toBe(true);
    await refresh(base);
    await until(() => cdn.seen.length === 2);
  });
});
