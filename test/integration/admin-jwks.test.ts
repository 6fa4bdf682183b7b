import type { FastifyInstance } from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { paths } from '../../src/contract/index.js';
import { buildTestApp } from '../helpers/app.js';
import { backends, type TestCache, type TestDb } from '../helpers/backends.js';
import { adminClaims, type SigningKey, signingKey, startKeyServer, token } from '../helpers/jwks.js';

/**
 * Admin routes signed in with a Supabase project's published keys (SUPABASE_URL), through the
 * HTTP API: what an operator's browser or script sees. The verifier's own cases are in
 * test/unit/auth/verify-jwks.test.ts.
 */
describe.each(backends)('admin sign-in with SUPABASE_URL on $name', (backend) => {
  let testDb: TestDb;
  let testCache: TestCache;
  let keyServer: Awaited<ReturnType<typeof startKeyServer>>;
  let key: SigningKey;
  const apps: FastifyInstance[] = [];

  beforeAll(async () => {
    testDb = await backend.createDb();
    testCache = await backend.createCache();
    keyServer = await startKeyServer();
    key = await signingKey('es-1', 'ES256');
  });
  afterEach(() => {
    keyServer.state.mode = 'serve';
    keyServer.state.keys = [key.publicJwk];
  });
  afterAll(async () => {
    for (const app of apps) await app.close();
    await keyServer?.close();
    await testCache?.cleanup();
    await testDb?.drop();
  });

  /** An app whose only admin sign-in is the project's keys (no API key, no legacy secret). */
  const app = async (overrides: Parameters<typeof buildTestApp>[1] = {}) => {
    const built = await buildTestApp(
      { db: testDb.db, cache: testCache.cache, prefix: testCache.prefix },
      { adminApiKey: undefined, supabaseJwtSecret: undefined, supabaseUrl: keyServer.url, ...overrides },
    );
    apps.push(built);
    return built;
  };
  const stats = (server: FastifyInstance, jwt: string) => server.inject({ method: 'GET', url: paths.stats, headers: { authorization: `Bearer ${jwt}` } });

  it('an admin signed in to the project reads /stats; a user without the admin role gets 403; a token of the wrong audience 401', async () => {
    keyServer.state.keys = [key.publicJwk];
    const server = await app();
    expect((await stats(server, await token(key, keyServer.url))).statusCode).toBe(200);
    const user = await stats(server, await token(key, keyServer.url, { claims: { ...adminClaims, app_metadata: {} } }));
    expect(user.statusCode).toBe(403);
    expect(user.json()).toMatchObject({ statusCode: 403, message: 'Admin role required' });
    const wrongAudience = await stats(server, await token(key, keyServer.url, { aud: 'anon' }));
    expect(wrongAudience.statusCode).toBe(401);
    expect(wrongAudience.headers['www-authenticate']).toBe('Bearer realm="sidebar-admin", error="invalid_token"');
  });

  it('while the project keys cannot be fetched and none is held: 503 with Retry-After in the error shape, not counted as a failed sign-in', async () => {
    keyServer.state.mode = 'error';
    const server = await app({ adminAuthFailuresPerMinute: 2 });
    const jwt = await token(key, keyServer.url);
    for (let i = 0; i < 4; i++) {
      const res = await stats(server, jwt);
      expect(res.statusCode).toBe(503);
      expect(res.headers['retry-after']).toBe('5');
      expect(res.headers['cache-control']).toBe('private, no-store');
      expect(res.json()).toEqual({
        statusCode: 503,
        error: 'Service Unavailable',
        message: 'Admin sign-in is unavailable: the project signing keys cannot be fetched',
        requestId: expect.any(String),
      });
    }
    // Four refusals past a limit of 2 failures, and no 429: the caller was never judged.
    keyServer.state.mode = 'serve';
    expect((await stats(server, jwt)).statusCode).toBe(200);
  });
});
