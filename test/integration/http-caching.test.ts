import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import CachePolicy from 'http-cache-semantics';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { paths } from '../../src/contract/index.js';
import { insertEvents } from '../fixtures/events.js';
import { asAdmin, buildTestApp } from '../helpers/app.js';
import { backends, useFixtureBackend } from '../helpers/backends.js';

/**
 * What an RFC 9111 cache makes of the service's real answers: request/response pairs from the
 * running server (hot path and Fastify routes) fed to the http-cache-semantics package, the
 * cache logic many HTTP clients and proxies use, for storability, freshness, time-to-live,
 * Vary and revalidation, as a shared cache (CDN) and as a private one (browser).
 */
const backend = backends[0] as (typeof backends)[number];

type Req = CachePolicy.Request;
type Res = { status: number; headers: Record<string, string | string[] | undefined> };

describe(`HTTP caching semantics of real answers, on ${backend.name}`, () => {
  const fixture = useFixtureBackend(backend);
  let app: FastifyInstance;
  let port: number;

  beforeAll(async () => {
    app = await buildTestApp(
      { db: fixture.db.db, cache: fixture.cache.cache, prefix: `${fixture.cache.prefix}:semantics` },
      { corsOrigins: ['https://app.example.com'] },
    );
    await app.listen({ port: 0, host: '127.0.0.1' });
    port = (app.server.address() as AddressInfo).port;
  });
  afterAll(() => app.close());

  /** Sends the request; returns it as the package wants it, and the answer's status and headers. */
  function exchange(path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<{ req: Req; res: Res }> {
    return new Promise((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path, method, headers }, (res) => {
        res.resume();
        res.on('end', () =>
          resolve({
            req: { url: path, method, headers: { host: `127.0.0.1:${port}`, ...headers } },
            res: { status: res.statusCode ?? 0, headers: res.headers },
          }),
        );
      });
      req.on('error', reject);
      req.end();
    });
  }

  it('a shared cache stores the sidebar, fresh for s-maxage (1 s), kept up to stale-if-error (1 h) for errors', async () => {
    await exchange(paths.sidebar); // warm: the next plain GET is a hot-path answer
    const { req, res } = await exchange(paths.sidebar, { 'accept-encoding': 'gzip' });
    expect(res.headers['x-cache']).toBe('HIT');
    const policy = new CachePolicy(req, res, { shared: true });
    expect(policy.storable()).toBe(true);
    expect(policy.maxAge()).toBe(1);
    expect(policy.stale()).toBe(false);
    // s-maxage plus stale-if-error, less the milliseconds since the answer was received.
    expect(policy.timeToLive()).toBeGreaterThan(3600 * 1000);
    expect(policy.timeToLive()).toBeLessThanOrEqual((1 + 3600) * 1000);
    expect(policy.satisfiesWithoutRevalidation(req)).toBe(true);
    expect(policy.satisfiesWithoutRevalidation({ ...req, headers: { ...req.headers, 'accept-encoding': 'br' } })).toBe(false); // Vary
    expect(policy.satisfiesWithoutRevalidation({ ...req, headers: { ...req.headers, origin: 'https://app.example.com' } })).toBe(false); // Vary: origin (CORS on)
  });

  it('a browser stores it but revalidates each use (max-age=0), with If-None-Match and If-Modified-Since; the 304 keeps its copy', async () => {
    const { req, res } = await exchange(paths.sidebar, { 'accept-encoding': 'br' });
    const policy = new CachePolicy(req, res, { shared: false });
    expect(policy.storable()).toBe(true);
    expect(policy.maxAge()).toBe(0);
    expect(policy.satisfiesWithoutRevalidation(req)).toBe(false);
    const conditional = policy.revalidationHeaders(req) as Record<string, string>;
    expect(conditional['if-none-match']).toBe(res.headers.etag);
    expect(conditional['if-modified-since']).toBe(res.headers['last-modified']);
    const again = await exchange(paths.sidebar, conditional);
    expect(again.res.status).toBe(304);
    const { policy: updated, modified } = policy.revalidatedPolicy(again.req, again.res);
    expect(modified).toBe(false);
    expect(updated.storable()).toBe(true);
    expect(updated.responseHeaders().etag).toBe(res.headers.etag);
  });

  it('after a refresh that changes the data, revalidation brings the new version (modified)', async () => {
    const { req, res } = await exchange(paths.sidebar);
    const policy = new CachePolicy(req, res, { shared: true });
    await insertEvents(fixture.db.db, [{ id: 'semantics-1', sport: 'semantics', league: 'semantics-l', leagueName: 'Semantics League', hoursFromNow: 24 }]);
    expect((await app.inject({ method: 'POST', url: paths.refresh, headers: asAdmin })).statusCode).toBe(200);
    const again = await exchange(paths.sidebar, policy.revalidationHeaders(req) as Record<string, string>);
    expect(again.res.status).toBe(200);
    const { modified } = policy.revalidatedPolicy(again.req, again.res);
    expect(modified).toBe(true);
    await fixture.db.db.query(`delete from odds_events where id = 'semantics-1'`);
  });

  it('admin answers and forced reads are stored by no cache', async () => {
    const answers = [
      await exchange(paths.stats, asAdmin),
      await exchange(`${paths.sidebar}?force_refresh=true`, asAdmin),
      await exchange(paths.stats), // the refusal too
    ];
    for (const { req, res } of answers) {
      expect(res.headers['cache-control']).toBe('private, no-store');
      expect(new CachePolicy(req, res, { shared: true }).storable()).toBe(false);
      expect(new CachePolicy(req, res, { shared: false }).storable()).toBe(false);
    }
  });
});
