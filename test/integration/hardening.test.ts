import { connect } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { paths } from '../../src/contract/index.js';
import { asAdmin, buildTestApp, jwtSecret } from '../helpers/app.js';
import { backends, type TestCache, type TestDb } from '../helpers/backends.js';

/** Limits against hostile or careless clients. */
const backend = backends[0] as (typeof backends)[number];
const oddsApiEvent = JSON.stringify([
  { id: 'h1', sport_key: 'basketball_nba', sport_title: 'NBA', commence_time: new Date(Date.now() + 3600_000).toISOString(), home_team: 'A', away_team: 'B' },
]);

/** Sends a request's head and part of its body over a raw socket, then waits; returns what the server answers and when it closes. */
function slowUpload(port: number, headers: Record<string, string>, declaredLength: number, sent: string) {
  const socket = connect(port, '127.0.0.1');
  let received = '';
  socket.on('data', (chunk) => {
    received += chunk.toString();
  });
  socket.on('error', () => {});
  const closed = new Promise<string>((resolve) => socket.on('close', () => resolve(received)));
  const head = Object.entries({ ...headers, 'content-length': String(declaredLength), host: 'localhost' })
    .map(([k, v]) => `${k}: ${v}`)
    .join('\r\n');
  socket.write(`POST ${paths.events} HTTP/1.1\r\n${head}\r\n\r\n${sent}`);
  return { socket, closed, received: () => received };
}

describe(`hardening on ${backend.name}`, () => {
  let testDb: TestDb;
  let testCache: TestCache;
  const apps: FastifyInstance[] = [];
  beforeAll(async () => {
    testDb = await backend.createDb();
    testCache = await backend.createCache();
  });
  afterAll(async () => {
    for (const app of apps) await app.close();
    await testCache?.cleanup();
    await testDb?.drop();
  });
  const app = async (overrides: Parameters<typeof buildTestApp>[1] = {}) => {
    // A key prefix per app: its limits are counted in the shared cache, per fleet (one app here).
    const built = await buildTestApp({ db: testDb.db, cache: testCache.cache, prefix: `${testCache.prefix}:app${apps.length}` }, overrides);
    apps.push(built);
    return built;
  };
  /** An app listening on a free loopback port, for tests that need a raw socket. */
  const listening = async (overrides: Parameters<typeof buildTestApp>[1]) => {
    const server = await app(overrides);
    await server.listen({ port: 0, host: '127.0.0.1' });
    return { server, port: (server.server.address() as { port: number }).port };
  };

  it('imports beyond IMPORT_MAX_CONCURRENT get 429 with Retry-After; the slot comes back when the import ends', async () => {
    const { server, port } = await listening({ importMaxConcurrent: 1 });
    // The first import holds the only slot: its body is still arriving.
    const first = slowUpload(port, { ...asAdmin, 'content-type': 'application/json' }, oddsApiEvent.length, oddsApiEvent.slice(0, 10));
    await new Promise((resolve) => setTimeout(resolve, 100));
    const second = await server.inject({
      method: 'POST',
      url: paths.events,
      headers: { ...asAdmin, 'content-type': 'application/json' },
      payload: oddsApiEvent,
    });
    expect(second.statusCode).toBe(429);
    expect(second.headers['retry-after']).toBe('5');
    expect(second.json()).toMatchObject({ statusCode: 429, error: 'Too Many Requests' });
    // Anonymous requests are refused before they could take a slot.
    expect((await server.inject({ method: 'POST', url: paths.events, payload: oddsApiEvent })).statusCode).toBe(401);
    first.socket.end(oddsApiEvent.slice(10));
    expect(await first.closed).toMatch(/^HTTP\/1.1 200/);
    const third = await server.inject({
      method: 'POST',
      url: paths.events,
      headers: { ...asAdmin, 'content-type': 'application/json' },
      payload: oddsApiEvent,
    });
    expect(third.statusCode).toBe(200);
  });

  it('a client that goes away mid-upload gives its import slot back', async () => {
    const { server, port } = await listening({ importMaxConcurrent: 1 });
    const gone = slowUpload(port, { ...asAdmin, 'content-type': 'application/json' }, oddsApiEvent.length, oddsApiEvent.slice(0, 10));
    await new Promise((resolve) => setTimeout(resolve, 100));
    gone.socket.destroy();
    await new Promise((resolve) => setTimeout(resolve, 100));
    const next = await server.inject({ method: 'POST', url: paths.events, headers: { ...asAdmin, 'content-type': 'application/json' }, payload: oddsApiEvent });
    expect(next.statusCode).toBe(200);
  });

  it('a slow upload is cut with 408 after HTTP_REQUEST_TIMEOUT_MS, not held for 300 s', async () => {
    const { port } = await listening({ requestTimeoutMs: 1000 });
    const started = Date.now();
    const slow = slowUpload(port, { ...asAdmin, 'content-type': 'application/json' }, 1_000_000, '[');
    const answer = await slow.closed;
    expect(answer).toMatch(/^HTTP\/1.1 408/);
    // Checked every second: cut between the timeout and about two seconds later.
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('failed authentications beyond the per-minute limit get 429 from that address, while valid credentials still pass', async () => {
    const server = await app({ adminAuthFailuresPerMinute: 3 });
    const refresh = (headers: Record<string, string>) => server.inject({ method: 'POST', url: paths.refresh, headers });
    for (let i = 0; i < 2; i++) expect((await refresh({ authorization: 'Bearer wrong-key-0123456789' })).statusCode).toBe(401);
    const limited = await refresh({ authorization: 'Bearer wrong-key-0123456789' });
    expect(limited.statusCode).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect((await refresh({})).statusCode).toBe(429);
    expect((await refresh(asAdmin)).statusCode).toBe(200);
  });

  it('with ADMIN_JWT_MAX_AGE_SECONDS, an admin JWT older than that, or without iat, is refused', async () => {
    const server = await app({ adminJwtMaxAgeSeconds: 600 });
    const sign = (iat: number | null) => {
      const jwt = new SignJWT({ role: 'service_role' }).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('1h');
      if (iat !== null) jwt.setIssuedAt(iat);
      return jwt.sign(new TextEncoder().encode(jwtSecret));
    };
    const stats = async (token: string) => server.inject({ method: 'GET', url: paths.stats, headers: { authorization: `Bearer ${token}` } });
    const now = Math.floor(Date.now() / 1000);
    expect((await stats(await sign(now - 60))).statusCode).toBe(200);
    const old = await stats(await sign(now - 3600));
    expect(old.statusCode).toBe(401);
    expect(old.json().message).toBe('Token expired');
    expect((await stats(await sign(null))).statusCode).toBe(401);
  });

  it('security headers: helmet on every Fastify answer (a CSP that Swagger UI runs under, no framing), nosniff on the sidebar', async () => {
    const server = await app();
    const health = await server.inject({ method: 'GET', url: paths.health });
    expect(health.headers).toMatchObject({
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'SAMEORIGIN',
      'cross-origin-resource-policy': 'cross-origin',
      'strict-transport-security': expect.stringContaining('max-age='),
    });
    expect(health.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    const docs = await server.inject({ method: 'GET', url: '/docs/' });
    expect(docs.headers['content-security-policy']).toContain("script-src 'self'");
    // Every script of the docs page is a file of its own: the CSP allows no inline script.
    expect(docs.body).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    const notFound = await server.inject({ method: 'GET', url: '/nope' });
    expect(notFound.headers['x-content-type-options']).toBe('nosniff');
    const sidebar = await server.inject({ method: 'GET', url: paths.sidebar });
    expect(sidebar.headers['x-content-type-options']).toBe('nosniff');
  });

  it('closing waits for no client to hang up: after a stream that fetch aborted, the app closes at once, not when the connection times out', async () => {
    const { server, port } = await listening({});
    apps.splice(apps.indexOf(server), 1);
    const aborting = new AbortController();
    const stream = await fetch(`http://127.0.0.1:${port}${paths.stream}`, { signal: aborting.signal });
    await stream.body?.getReader().read();
    // What a page does when it hides or unmounts: its connection is left for the server to close.
    aborting.abort();
    await new Promise((resolve) => setTimeout(resolve, 200));
    const started = Date.now();
    const closed = server.close().then(() => 'closed');
    // Node's server would wait for that connection for seconds (until about 4 s here).
    const waiting = new Promise((resolve) => setTimeout(() => resolve('still waiting'), 2500).unref());
    expect(await Promise.race([closed, waiting])).toBe('closed');
    expect(Date.now() - started).toBeLessThan(2500);
  });
});
