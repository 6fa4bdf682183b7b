import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { paths } from '../../src/contract/index.js';
import { loadFixtures } from '../fixtures/events.js';
import { asAdmin, buildTestApp } from '../helpers/app.js';
import { backends, type TestCache, type TestDb } from '../helpers/backends.js';

/**
 * Property-based tests: whatever a client sends in the query string,
 * the headers or the import body, the answer is 2xx, 3xx or 4xx, never a 5xx, never a stack
 * trace, and every error is in the one error shape.
 */
const backend = backends[0] as (typeof backends)[number];

const printable = fc.stringMatching(/^[\x20-\x7e]{0,40}$/);
const headerNames = [
  'accept',
  'accept-encoding',
  'authorization',
  'content-type',
  'content-encoding',
  'if-none-match',
  'if-modified-since',
  'origin',
  'range',
  'x-forwarded-for',
  'x-request-id',
  'cookie',
] as const;
const headers = fc.dictionary(fc.constantFrom(...headerNames), printable, { maxKeys: 5 });
const queryKeys = fc.oneof(fc.constantFrom('force_refresh', 'format', 'window', 'lang', 'limit', '__proto__', 'constructor'), printable);
const query = fc.oneof(
  // Well-formed pairs with arbitrary keys and values.
  fc
    .array(fc.tuple(queryKeys, fc.oneof(printable, fc.constantFrom('true', 'false', '1', '', 'null', '[]'))), { maxLength: 4 })
    .map((pairs) => pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&')),
  // Raw text, broken percent-encoding included.
  fc.stringMatching(/^[\x21-\x7e]{0,60}$/).map((s) => s.replace(/#/g, '%23')),
);
const routes = [
  { method: 'GET', url: paths.sidebar },
  { method: 'GET', url: paths.health },
  { method: 'GET', url: paths.ready },
  { method: 'GET', url: paths.metrics },
  { method: 'GET', url: paths.stats },
  { method: 'POST', url: paths.refresh },
  { method: 'POST', url: paths.events },
  { method: 'GET', url: '/docs/json' },
] as const;

function expectNoServerError(res: LightMyRequestResponse): void {
  expect(res.statusCode).toBeGreaterThanOrEqual(200);
  expect(res.statusCode).toBeLessThan(500);
  expect(res.body).not.toMatch(/\n\s+at .+\(.+:\d+:\d+\)/); // a stack frame
  if (res.statusCode >= 400) {
    expect(res.json()).toEqual({ statusCode: res.statusCode, error: expect.any(String), message: expect.any(String), requestId: expect.any(String) });
  }
}

describe(`property-based requests on ${backend.name}`, () => {
  let testDb: TestDb;
  let testCache: TestCache;
  let app: FastifyInstance;
  beforeAll(async () => {
    testDb = await backend.createDb();
    testCache = await backend.createCache();
    await loadFixtures(testDb.db);
    // Generous limits: the properties are about answers, not about the rate limiter.
    app = await buildTestApp(
      { db: testDb.db, cache: testCache.cache, prefix: testCache.prefix },
      { refreshRateLimitPerMinute: 100_000, adminAuthFailuresPerMinute: 100_000 },
    );
  });
  afterAll(async () => {
    await app?.close();
    await testCache?.cleanup();
    await testDb?.drop();
  });

  it('any query string and headers on any public route: never a 5xx, never a stack trace, errors in the one shape', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...routes), query, headers, fc.boolean(), async (route, qs, hs, admin) => {
        const res = await app.inject({ method: route.method, url: qs ? `${route.url}?${qs}` : route.url, headers: { ...hs, ...(admin ? asAdmin : {}) } });
        expectNoServerError(res);
      }),
      { numRuns: 1000 },
    );
  });

  it('any import body (JSON values, text, bytes, compressed or claiming to be): never a 5xx, never a stack trace', async () => {
    const body = fc.oneof(
      fc.jsonValue({ maxDepth: 6 }).map((v) => JSON.stringify(v) ?? 'null'),
      fc.array(fc.jsonValue({ maxDepth: 3 }), { maxLength: 5 }).map((lines) => lines.map((l) => JSON.stringify(l) ?? 'null').join('\n')),
      fc.string({ maxLength: 200 }),
      // Records that look like the feeds', with arbitrary field values.
      fc
        .array(
          fc.record({ id: fc.jsonValue(), sport_key: fc.jsonValue(), commence_time: fc.jsonValue(), home_team: fc.jsonValue(), away_team: fc.jsonValue() }),
          { maxLength: 5 },
        )
        .map((v) => JSON.stringify(v)),
    );
    const encoding = fc.constantFrom('none', 'gzip', 'gzip-claimed', 'br-claimed');
    const contentType = fc.constantFrom(
      'application/json',
      'application/x-ndjson',
      'text/plain',
      'application/octet-stream',
      'application/json; charset=latin1',
    );
    await fc.assert(
      fc.asyncProperty(body, encoding, contentType, async (text, enc, type) => {
        const raw = Buffer.from(text);
        const payload = enc === 'gzip' ? gzipSync(raw) : raw;
        const encodingHeader = enc === 'none' ? {} : { 'content-encoding': enc === 'gzip' || enc === 'gzip-claimed' ? 'gzip' : 'br' };
        const res = await app.inject({ method: 'POST', url: paths.events, headers: { ...asAdmin, 'content-type': type, ...encodingHeader }, payload });
        expectNoServerError(res);
      }),
      { numRuns: 500 },
    );
  });
});
