import { readFile } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createInProcessCache } from '../../src/cache/in-process.js';
import type { Db } from '../../src/db/types.js';
import type { OddsEvent } from '../../src/events/types.js';
import { writeEvents } from '../../src/events/writer.js';
import { importFeeds } from '../../src/feeds/importer.js';
import { readInputs } from '../../src/feeds/read.js';
import { createSidebarRepository } from '../../src/sidebar/repository.js';
import { asAdmin, buildTestApp } from '../helpers/app.js';
import { backends, type TestCache, type TestDb } from '../helpers/backends.js';

const fixtures = new URL('../fixtures/feeds/', import.meta.url).pathname;
const noStdin = async () => '';

/** The sidebar as "Sport / League: games/live" lines. */
async function sidebarLines(db: Db): Promise<string[]> {
  const repo = createSidebarRepository(db);
  await repo.refresh('import', 30);
  return (await repo.readView()).rows.map((r) => `${r.sport} / ${r.league}: ${r.game_count}/${r.live_game_count}`).sort();
}

/** Worked out by hand from the files in fixtures/feeds/good and the mapping rules. */
const expectedGood = [
  'American Football / NCAA: 2/0', // legacy OddsJam NDJSON, football → American Football
  'American Football / NFL: 2/0',
  'Baseball / MLB: 3/2', // unplayed + live + HALF; completed and cancelled do not count
  'Basketball / NBA: 1/0', // oa-nba-1 is completed by its scores record
  'Ice Hockey / SHL: 1/0', // no sports-list entry: group from the key prefix, title from sport_title
  'Soccer / EPL: 1/0',
  'Soccer / Spain - La Liga: 1/0', // delayed → scheduled
  'Tennis / WTA: 1/1', // suspended → live
];

describe.each(backends)('feed import on $name', (backend) => {
  let testDb: TestDb;
  let db: Db;

  beforeAll(async () => {
    testDb = await backend.createDb();
    db = testDb.db;
  });
  afterAll(() => testDb?.drop());
  beforeEach(async () => {
    await db.query('delete from odds_events');
  });

  it('imports a folder of both formats and the sidebar shows the right sports, leagues and counts', async () => {
    const summary = await importFeeds(db, await readInputs([`${fixtures}good`], noStdin));
    expect(summary).toMatchObject({
      files: 5,
      read: 17,
      inserted: 15,
      updated: 0,
      unchanged: 0,
      rejected: 0,
      duplicates: 2,
      sports_listed: 3,
      file_errors: [],
    });
    expect(summary.formats).toEqual({
      'the-odds-api': { read: 8, accepted: 8, rejected: 0 },
      'optic-odds': { read: 9, accepted: 9, rejected: 0 },
    });
    expect(await sidebarLines(db)).toEqual(expectedGood);
  });

  it('a second import of the same files changes nothing and says so', async () => {
    const sources = await readInputs([`${fixtures}good`], noStdin);
    await importFeeds(db, sources);
    const again = await importFeeds(db, sources);
    expect(again).toMatchObject({ inserted: 0, updated: 0, unchanged: 15 });
    const { rows } = await db.query<{ n: number }>('select count(*)::integer as n from odds_events');
    expect(rows[0]?.n).toBe(15);
  });

  it('a newer record updates status, time and teams', async () => {
    await importFeeds(db, await readInputs([`${fixtures}good`], noStdin));
    const newer = [
      {
        id: 'OP-1',
        start_date: '2031-07-01T19:30:00Z',
        home_team_display: 'LA Dodgers',
        away_team_display: 'SD Padres',
        status: 'live',
        sport: { id: 'baseball', name: 'Baseball' },
        league: { id: 'mlb', name: 'MLB' },
      },
    ];
    const summary = await importFeeds(db, [{ name: 'newer.json', text: JSON.stringify(newer) }]);
    expect(summary).toMatchObject({ inserted: 0, updated: 1, unchanged: 0 });
    const { rows } = await db.query('select status, commence_time, home_team, away_team from odds_events where id = $1', ['OP-1']);
    expect(rows[0]).toEqual({ status: 'live', commence_time: new Date('2031-07-01T19:30:00Z'), home_team: 'LA Dodgers', away_team: 'SD Padres' });
  });

  it('a completed scores record wins over a later odds record, whatever the order of imports', async () => {
    const [scores, odds] = await Promise.all(
      ['odds-api-scores.json', 'odds-api-odds.json'].map(async (f) => ({ name: f, text: await readFile(`${fixtures}good/${f}`, 'utf8') })),
    );
    await importFeeds(db, [scores as { name: string; text: string }]);
    await importFeeds(db, [odds as { name: string; text: string }]);
    const { rows } = await db.query('select status, status_inferred from odds_events where id = $1', ['oa-nba-1']);
    expect(rows[0]).toEqual({ status: 'completed', status_inferred: false });
  });

  it('bad records are reported with file, position and reason, and never stop the good ones', async () => {
    const summary = await importFeeds(db, await readInputs([`${fixtures}bad/mixed-bad.json`], noStdin));
    expect(summary).toMatchObject({ read: 6, inserted: 2, rejected: 4 });
    expect(summary.rejections).toEqual([
      { file: `${fixtures}bad/mixed-bad.json`, position: '$.events[1]', reason: 'missing id', format: 'the-odds-api' },
      { file: `${fixtures}bad/mixed-bad.json`, position: '$.events[2]', reason: 'unparseable commence_time "next tuesday"', format: 'the-odds-api' },
      { file: `${fixtures}bad/mixed-bad.json`, position: '$.events[3]', reason: 'unknown status "abandoned"', format: 'optic-odds' },
      { file: `${fixtures}bad/mixed-bad.json`, position: '$.events[4]', reason: 'missing league', format: 'optic-odds' },
    ]);
    const { rows } = await db.query<{ id: string }>('select id from odds_events order by id');
    expect(rows.map((r) => r.id)).toEqual(['bad-ok-1', 'bad-ok-2']);
  });

  it('a malformed file is an error naming it, and the other files are still imported', async () => {
    const summary = await importFeeds(db, await readInputs([`${fixtures}bad`], noStdin));
    expect(summary.file_errors).toEqual([{ file: `${fixtures}bad/malformed.json`, reason: expect.stringMatching(/^not valid JSON/) }]);
    expect(summary.inserted).toBe(2);
  });

  it('a batch is all or nothing: one bad row writes none of its batch', async () => {
    const good = (id: string): OddsEvent => ({
      id,
      sport_id: 'soccer',
      sport: 'Soccer',
      league_id: 'epl',
      league: 'EPL',
      home_team: 'A',
      away_team: 'B',
      commence_time: new Date('2031-01-01T00:00:00Z'),
      status: 'scheduled',
      source: 'test',
    });
    // The mappers never produce this; the check constraint stops it if anything ever does.
    const bad = { ...good('tx-bad'), status: 'abandoned' } as unknown as OddsEvent;
    await expect(writeEvents(db, [good('tx-1'), good('tx-2'), bad])).rejects.toThrow(/check constraint/);
    const { rows } = await db.query<{ n: number }>(`select count(*)::integer as n from odds_events where id like 'tx-%'`);
    expect(rows[0]?.n).toBe(0);
  });

  it('an id that slugs to nothing is a rejected record, not a failed batch', async () => {
    const fixture = { id: 'p1', start_date: '2031-01-01T00:00:00Z', status: 'unplayed', sport: { id: '!!!', name: '!!!' }, league: { id: 'x', name: 'X' } };
    const summary = await importFeeds(db, [{ name: 'p.json', text: JSON.stringify([fixture, { ...fixture, id: 'p2', sport: { id: 'golf', name: 'Golf' } }]) }]);
    expect(summary).toMatchObject({ inserted: 1, rejected: 1 });
    expect(summary.rejections[0]?.reason).toBe('unusable sport id "!!!"');
  });
});

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
  const event = (id: string, extra: Record<string, unknown> = {}) => ({
    id,
    sport_key: 'americanfootball_nfl',
    sport_title: 'NFL',
    commence_time: '2031-09-05T00:20:00Z',
    home_team: 'Home',
    away_team: 'Away',
    ...extra,
  });

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

  it.each(['{}', '[{}]', 'null', '{"data": []}'])('a payload with nothing recognisable (%s) is a 422 saying so, not a silent 200', async (payload) => {
    const res = await post(payload);
    expect(res.statusCode).toBe(422);
    expect(res.json()).toMatchObject({ statusCode: 422, error: 'Unprocessable Entity', message: expect.stringMatching(/no event records/) });
  });
});
