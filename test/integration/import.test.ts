import { readFile } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInProcessCache } from '../../src/cache/in-process.js';
import { oddsApiRecord } from '../fixtures/feed-records.js';
import { asAdmin, buildTestApp } from '../helpers/app.js';
import { backends, type TestCache, type TestDb } from '../helpers/backends.js';

const fixtures = new URL('../fixtures/feeds/', import.meta.url).pathname;

describe.each(backends)('POST /api/v1/shared/events on $name', (backend) => {
  let testDb: TestDb;
  let testCache: TestCache;
  let app: FastifyInstance;
  const post = (payload: string | Buffer, headers: Record<string, string> = {}, url = '/api/v1/shared/events') =>
    app.inject({ method: 'POST', url, payload, headers: { ...asAdmin, 'content-type': 'application/json', ...headers } });

  beforeAll(async () => {
    testDb = await backend.createDb();
    testCache = await backend.createCache();
    app = await buildTestApp(
      { db: testDb.db, cache: testCache.cache, prefix: testCache.prefix },
      { importRefreshDelaySeconds: 0.2, importMaxBodyBytes: 64 * 1024 },
    );
  });
  afterAll(async () => {
    await app?.close();
    await testCache?.cleanup();
    await testDb?.drop();
  });

  it('imports a JSON payload, answers the summary, and the sidebar follows after one coalesced refresh', async () => {
    const odds = await readFile(`${fixtures}good/odds-api-odds.json`, 'utf8');
    const optic = await readFile(`${fixtures}good/optic-fixtures.json`, 'utf8');
    const first = await post(odds);
    expect(first.statusCode).toBe(200);
    expect(first.json()).toMatchObject({ read: 6, inserted: 6, rejected: 0, refresh: { scheduled_at: expect.any(String) } });
    const second = await post(optic);
    expect(second.json()).toMatchObject({ read: 7, inserted: 7 });
    expect(app.refreshCoalescer.state()).toMatchObject({ pending: true, requests: 2, runs: 0 });

    const deadline = Date.now() + 5000;
    while (app.refreshCoalescer.state().runs < 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    while (app.refreshCoalescer.state().running && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(app.refreshCoalescer.state()).toMatchObject({ runs: 1, pending: false });
    const sidebar = (await app.inject({ method: 'GET', url: '/api/v1/shared/sidebar' })).json();
    // 6 scheduled odds-api games + 5 open Optic fixtures (3 of them live); completed and cancelled do not count.
    expect(sidebar.totals).toMatchObject({ game_count: 11, live_game_count: 3 });
  });

  it('accepts gzip-compressed NDJSON', async () => {
    const ndjson = await readFile(`${fixtures}good/optic-legacy.ndjson`);
    const res = await post(gzipSync(ndjson), { 'content-type': 'application/x-ndjson', 'content-encoding': 'gzip' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ read: 2, inserted: 2 });
  });

  it('an unchanged payload schedules no refresh', async () => {
    const payload = await readFile(`${fixtures}good/optic-legacy.ndjson`);
    await post(payload, { 'content-type': 'application/x-ndjson' }); // inserted, or already there
    const res = await post(payload, { 'content-type': 'application/x-ndjson' });
    expect(res.json()).toMatchObject({ unchanged: 2, refresh: null });
  });

  it('reports bad records in the answer', async () => {
    const res = await post(await readFile(`${fixtures}bad/mixed-bad.json`), {}, '/api/v1/shared/events');
    expect(res.json()).toMatchObject({ inserted: 2, rejected: 4, rejections_total: 4 });
    expect(res.json().rejections[0]).toEqual({ file: 'body', position: '$.events[1]', reason: 'missing id', format: 'the-odds-api' });
  });

  it('rejects malformed JSON (400), oversized bodies (413), a bad format (400) and missing credentials (401)', async () => {
    const malformed = await post('{"data": [');
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json().message).toMatch(/^request body: not valid JSON/);
    const huge = await post(JSON.stringify({ data: 'x'.repeat(70 * 1024) }));
    expect(huge.statusCode).toBe(413);
    expect(huge.json()).toMatchObject({ statusCode: 413, error: 'Payload Too Large' });
    expect((await post('[]', {}, '/api/v1/shared/events?format=csv')).statusCode).toBe(400);
    expect((await post('[]', { authorization: '' })).statusCode).toBe(401);
  });
});

describe('POST /api/v1/shared/events without credentials', () => {
  it('is refused before its body is read: a body that cannot even be decompressed still gets 401, not 400', async () => {
    const testDb = await backends[0]?.createDb();
    if (!testDb) throw new Error('no backend');
    const cache = createInProcessCache();
    const app = await buildTestApp({ db: testDb.db, cache, prefix: 'unauth' });
    try {
      const notGzip = Buffer.from('this is not gzip data, and a large upload would be read in full');
      const res = await app.inject({
        method: 'POST',
        url: '/api/v1/shared/events',
        payload: notGzip,
        headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
      });
      expect(res.statusCode).toBe(401);
      expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
      // With credentials, the same body is read and found broken.
      const admin = await app.inject({
        method: 'POST',
        url: '/api/v1/shared/events',
        payload: notGzip,
        headers: { ...asAdmin, 'content-type': 'application/json', 'content-encoding': 'gzip' },
      });
      expect(admin.statusCode).toBe(400);
    } finally {
      await app.close();
      await cache.close();
      await testDb.drop();
    }
  });
});

describe('hostile or broken feed payloads', () => {
  let testDb: TestDb;
  let app: FastifyInstance;
  const cache = createInProcessCache();
  const post = (payload: string) =>
    app.inject({ method: 'POST', url: '/api/v1/shared/events', payload, headers: { ...asAdmin, 'content-type': 'application/json' } });
  const event = oddsApiRecord;

  beforeAll(async () => {
    const created = await backends[0]?.createDb();
    if (!created) throw new Error('no backend');
    testDb = created;
    app = await buildTestApp({ db: testDb.db, cache, prefix: 'hostile' });
  });
  afterAll(async () => {
    await app?.close();
    await cache.close();
    await testDb?.drop();
  });

  it('a NUL character or an absurd time rejects that record only; the rest of the batch is written', async () => {
    const res = await post(JSON.stringify([event('ok-1'), event('nul-1', { home_team: 'Bad\u0000Team' }), event('far-1', { commence_time: 1e20 })]));
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ read: 3, inserted: 1, rejected: 2 });
    expect(res.json().rejections.map((r: { position: string; reason: string }) => [r.position, r.reason])).toEqual([
      ['$[1]', expect.stringMatching(/NUL/)],
      ['$[2]', expect.stringMatching(/time/)],
    ]);
  });

  it('names longer than 100 characters are cut (with an ellipsis); an id longer than 128 rejects its record', async () => {
    const res = await post(JSON.stringify([event('long-name-1', { sport_title: 'N'.repeat(10_000), home_team: 'H'.repeat(500) }), event('x'.repeat(200))]));
    expect(res.json()).toMatchObject({ read: 2, inserted: 1, rejected: 1 });
    expect(res.json().rejections[0].reason).toMatch(/longer than 128/);
    const { rows } = await testDb.db.query<{ league: string; home_team: string }>(`select league, home_team from odds_events where id = 'long-name-1'`);
    expect([...(rows[0]?.league ?? '')]).toHaveLength(100);
    expect(rows[0]?.league.endsWith('…')).toBe(true);
    expect(rows[0]?.home_team).toHaveLength(100);
  });

  it('JSON nested thousands of levels deep is reported, not a crash, and records beside it still load', async () => {
    const deep = `${'['.repeat(3000)}${']'.repeat(3000)}`;
    const res = await post(`{"data": [${JSON.stringify(event('beside-deep-1'))}], "junk": ${deep}}`);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ read: 1, inserted: 1, rejected: 1 });
    expect(res.json().rejections[0].reason).toMatch(/nested deeper than 64 levels/);
  });

  it.each([
    [
      'nested 5,000 levels deep',
      `${'['.repeat(5000)}${']'.repeat(5000)}`,
      /^request body: none of its records could be imported \(1 rejected; the first, at \$(\[0\])+\.*: nested deeper than 64 levels/,
    ],
    [
      'every record refused',
      JSON.stringify([{ id: 'bad-1', sport_key: 'basketball_nba', sport_title: 'NBA', commence_time: 'garbage' }]),
      /^request body: none of its records could be imported \(1 rejected; the first, at \$\[0\]: unparseable commence_time "garbage"\)$/,
    ],
  ])('a payload from which nothing could be imported (%s) is a 422 naming the first reason, as one with nothing recognisable', async (_, payload, message) => {
    const res = await post(payload);
    expect(res.statusCode).toBe(422);
    expect(res.json()).toMatchObject({ statusCode: 422, error: 'Unprocessable Entity', message: expect.stringMatching(message) });
  });

  it.each(['{}', '[{}]', 'null', '{"data": []}'])('a payload with nothing recognisable (%s) is a 422 saying so, not a silent 200', async (payload) => {
    const res = await post(payload);
    expect(res.statusCode).toBe(422);
    expect(res.json()).toMatchObject({ statusCode: 422, error: 'Unprocessable Entity', message: expect.stringMatching(/no event records/) });
  });
});
