import { connect } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createInProcessCache } from '../../src/cache/in-process.js';
import { paths } from '../../src/contract/index.js';
import { createPostgresDb } from '../../src/db/postgres.js';
import { loadFixtures } from '../fixtures/events.js';
import { asAdmin, buildTestApp } from '../helpers/app.js';
import { backends, latestMigration, type TestCache, type TestDb } from '../helpers/backends.js';

const errorShape = { statusCode: expect.any(Number), error: expect.any(String), message: expect.any(String), requestId: expect.any(String) };

/** Sends raw bytes and returns the raw answer: for requests Node's parser rejects before Fastify sees them. */
function rawRequest(port: number, request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(request));
    let answer = '';
    socket.on('data', (chunk) => {
      answer += chunk;
    });
    socket.on('close', () => resolve(answer));
    socket.on('error', reject);
  });
}

describe.each(backends)('every error in one shape on $name', (backend) => {
  let testDb: TestDb;
  let testCache: TestCache;
  let app: FastifyInstance;

  beforeAll(async () => {
    testDb = await backend.createDb();
    testCache = await backend.createCache();
    await loadFixtures(testDb.db);
    app = await buildTestApp({ db: testDb.db, cache: testCache.cache, prefix: testCache.prefix }, { metricsToken: 'metrics-token-0123456789' });
  });
  afterAll(async () => {
    await app?.close();
    await testCache?.cleanup();
    await testDb?.drop();
  });

  it('a URL Fastify cannot decode is a 400 with a request id, like every other error', async () => {
    const res = await app.inject({ method: 'GET', url: '/api/v1/%E0%A4%A', headers: { 'x-request-id': 'bad-url-1' } });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({ ...errorShape, statusCode: 400, error: 'Bad Request', requestId: 'bad-url-1' });
  });

  it('headers too large and malformed requests, rejected before routing, answer in the same shape', async () => {
    const address = new URL(await app.listen({ port: 0, host: '127.0.0.1' }));
    const port = Number(address.port);
    const huge = await rawRequest(port, `GET ${paths.sidebar} HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(70_000)}\r\n\r\n`);
    expect(huge).toMatch(/^HTTP\/1\.1 431 /);
    const hugeBody = JSON.parse(huge.slice(huge.indexOf('\r\n\r\n') + 4));
    expect(hugeBody).toEqual({ ...errorShape, statusCode: 431, error: 'Request Header Fields Too Large' });
    const garbage = await rawRequest(port, 'NOT A REQUEST\r\n\r\n');
    expect(garbage).toMatch(/^HTTP\/1\.1 400 /);
    expect(JSON.parse(garbage.slice(garbage.indexOf('\r\n\r\n') + 4))).toEqual({ ...errorShape, statusCode: 400 });
  });

  it('a 401 tells the client how to authenticate (WWW-Authenticate: Bearer), and whether its token was refused', async () => {
    const missing = await app.inject({ method: 'POST', url: paths.refresh });
    expect(missing.statusCode).toBe(401);
    expect(missing.headers['www-authenticate']).toBe('Bearer realm="sidebar-admin"');
    expect(missing.json()).toEqual({ ...errorShape, statusCode: 401 });
    const wrong = await app.inject({ method: 'GET', url: paths.stats, headers: { authorization: 'Bearer not-the-key-not-the-key' } });
    expect(wrong.headers['www-authenticate']).toBe('Bearer realm="sidebar-admin", error="invalid_token"');
    const metrics = await app.inject({ method: 'GET', url: paths.metrics });
    expect(metrics.statusCode).toBe(401);
    expect(metrics.headers['www-authenticate']).toMatch(/^Bearer realm="metrics"/);
    expect(metrics.json()).toEqual({ ...errorShape, statusCode: 401 });
    // Forbidden is not a challenge: no header.
    const noAdmin = await buildTestApp(
      { db: testDb.db, cache: testCache.cache, prefix: testCache.prefix },
      { adminApiKey: undefined, supabaseJwtSecret: undefined },
    );
    try {
      const forbidden = await noAdmin.inject({ method: 'POST', url: paths.refresh, headers: asAdmin });
      expect(forbidden.statusCode).toBe(403);
      expect(forbidden.headers['www-authenticate']).toBeUndefined();
    } finally {
      await noAdmin.close();
    }
  });

  it('a database that was never migrated answers 503 (not 500) saying so, and /ready is not ready', async () => {
    const empty = await backend.createDb({ migrate: false });
    const unmigrated = await buildTestApp({ db: empty.db, cache: testCache.cache, prefix: `${testCache.prefix}:empty` });
    try {
      const sidebar = await unmigrated.inject({ method: 'GET', url: paths.sidebar });
      expect(sidebar.statusCode).toBe(503);
      expect(sidebar.json()).toEqual({ ...errorShape, statusCode: 503, error: 'Service Unavailable' });
      expect(sidebar.json().message).toMatch(/not migrated/);
      const stats = await unmigrated.inject({ method: 'GET', url: paths.stats, headers: asAdmin });
      expect(stats.statusCode).toBe(503);
      const ready = await unmigrated.inject({ method: 'GET', url: paths.ready });
      expect(ready.statusCode).toBe(503);
      expect(ready.json()).toMatchObject({
        status: 'not_ready',
        database: { reachable: true },
        migrations: { current: 0, latest: latestMigration, applied: false },
      });
    } finally {
      await unmigrated.close();
      await empty.drop();
    }
  });
});

describe('a database that cannot be reached', () => {
  it('POST /refresh and /stats answer 503 with Retry-After in the error shape, not a serialisation error', async () => {
    // A real pool on a port that refuses connections: no server needed.
    const unreachable = createPostgresDb({ connectionString: 'postgres://postgres@127.0.0.1:1/none', max: 1, onIdleError: () => {} });
    const cache = createInProcessCache();
    const app = await buildTestApp({ db: unreachable, cache, prefix: 'unreachable' });
    try {
      const refresh = await app.inject({ method: 'POST', url: paths.refresh, headers: asAdmin });
      expect(refresh.statusCode).toBe(503);
      expect(refresh.headers['retry-after']).toBe('5');
      expect(refresh.json()).toEqual({ ...errorShape, statusCode: 503, error: 'Service Unavailable', message: expect.stringMatching(/unavailable/) });
      const stats = await app.inject({ method: 'GET', url: paths.stats, headers: asAdmin });
      expect(stats.statusCode).toBe(503);
      expect(stats.json()).toEqual({ ...errorShape, statusCode: 503 });
    } finally {
      await app.close();
      await cache.close();
      await unreachable.close();
    }
  });

  it('an unexpected failure of POST /refresh is a 500 in the error shape, though the route declares the log row for 500', async () => {
    const testDb = await backends[0]?.createDb();
    const cache = createInProcessCache();
    if (!testDb) throw new Error('no backend');
    const app = await buildTestApp({ db: testDb.db, cache, prefix: 'bug' });
    try {
      vi.spyOn(app.sidebarRepository, 'refresh').mockRejectedValue(new Error('a bug, not the database'));
      const res = await app.inject({ method: 'POST', url: paths.refresh, headers: asAdmin });
      expect(res.statusCode).toBe(500);
      expect(res.json()).toEqual({ statusCode: 500, error: 'Internal Server Error', message: 'Internal Server Error', requestId: expect.any(String) });
    } finally {
      vi.restoreAllMocks();
      await app.close();
      await cache.close();
      await testDb.drop();
    }
  });
});
