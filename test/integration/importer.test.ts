import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/types.js';
import type { OddsEvent } from '../../src/events/types.js';
import { writeEvents } from '../../src/events/writer.js';
import { changedAnything, importFeeds, importOutcome, nothingImportedReason } from '../../src/feeds/importer.js';
import { readInputs } from '../../src/feeds/read.js';
import { createSidebarRepository } from '../../src/sidebar/repository.js';
import { oddsApiRecord as oddsApi, opticRecord as optic } from '../fixtures/feed-records.js';
import { backends, type TestDb } from '../helpers/backends.js';

/**
 * importFeeds() on a real database: what is written, merged, shifted, rejected and counted.
 * The HTTP import endpoint is tested in import.test.ts. StrykerJS reruns this file for every
 * mutant of importer.ts (`npm run test:mutation`), so each test is small.
 */

const fixtures = new URL('../fixtures/feeds/', import.meta.url).pathname;
const noStdin = async () => '';
const day = 24 * 3600_000;

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

const source = (name: string, records: unknown) => ({ name, text: JSON.stringify(records) });

describe.each(backends)('importing feed dumps into odds_events on $name', (backend) => {
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

  async function row(db: Db, id: string) {
    const { rows } = await db.query<OddsEvent & { status_inferred: boolean }>('select * from odds_events where id = $1', [id]);
    return rows[0];
  }

  it('a stated final status beats a later guess of the same event within one import, in either order', async () => {
    const now = new Date('2031-09-05T02:00:00Z'); // two hours after the start: a guess would say live
    const scores = oddsApi('m-1', { completed: true });
    const odds = oddsApi('m-1');
    const first = await importFeeds(db, [source('scores.json', [scores]), source('odds.json', [odds])], { now });
    expect(first).toMatchObject({ read: 2, duplicates: 1, inserted: 1 });
    expect(await row(db, 'm-1')).toMatchObject({ status: 'completed', status_inferred: false });
    await db.query('delete from odds_events');
    await importFeeds(db, [source('odds.json', [odds]), source('scores.json', [scores])], { now });
    expect(await row(db, 'm-1')).toMatchObject({ status: 'completed', status_inferred: false });
  });

  it('a later stated status replaces an earlier one of the same event within one import', async () => {
    const summary = await importFeeds(db, [source('a.json', [optic('o-1', { status: 'completed' }), optic('o-1', { status: 'live' })])]);
    expect(summary.duplicates).toBe(1);
    expect(await row(db, 'o-1')).toMatchObject({ status: 'live', status_inferred: false });
  });

  it('a later guess replaces an earlier stated status that is not final', async () => {
    const now = new Date('2031-09-04T00:00:00Z'); // before the start: the guess is "scheduled"
    await importFeeds(
      db,
      [source('a.json', [optic('s-1', { status: 'live', sport: { id: 'americanfootball', name: 'American Football' } }), oddsApi('s-1')])],
      { now },
    );
    expect(await row(db, 's-1')).toMatchObject({ status: 'scheduled', status_inferred: true });
  });

  it('a later guess replaces an earlier guess, and a cancellation is kept over a guess', async () => {
    const now = new Date('2031-09-05T02:00:00Z');
    await importFeeds(db, [source('a.json', [oddsApi('g-1', { commence_time: '2031-09-06T00:00:00Z' }), oddsApi('g-1')])], { now });
    expect(await row(db, 'g-1')).toMatchObject({ status: 'live', status_inferred: true });
    await importFeeds(db, [source('b.json', [optic('c-1', { status: 'cancelled' }), oddsApi('c-1', { sport_key: 'baseball_mlb' })])], { now });
    expect(await row(db, 'c-1')).toMatchObject({ status: 'cancelled', status_inferred: false });
  });

  it('now and the live windows decide inferred statuses', async () => {
    const now = new Date('2031-09-05T03:00:00Z'); // 2 h 40 min after the start
    await importFeeds(db, [source('a.json', [oddsApi('w-1')])], { now, liveWindows: { defaultHours: 2, byKeyPrefix: {} } });
    expect(await row(db, 'w-1')).toMatchObject({ status: 'completed' });
    await importFeeds(db, [source('a.json', [oddsApi('w-2')])], { now, liveWindows: { defaultHours: 3, byKeyPrefix: {} } });
    expect(await row(db, 'w-2')).toMatchObject({ status: 'live' });
    await importFeeds(db, [source('a.json', [oddsApi('w-3')])], { now: new Date('2031-09-04T00:00:00Z') });
    expect(await row(db, 'w-3')).toMatchObject({ status: 'scheduled' });
  });

  it('shiftToFuture moves every start by the same whole number of days, so the earliest lies ahead', async () => {
    const now = new Date('2031-09-10T12:00:00Z');
    // The earliest is not the first: the shift is from the earliest of all.
    const records = [
      optic('s-2', { start_date: '2031-09-07T19:30:00Z' }),
      oddsApi('s-1', { commence_time: '2031-09-05T00:20:00Z' }),
      optic('s-3', { start_date: '2031-09-08T10:00:00Z' }),
    ];
    const summary = await importFeeds(db, [source('a.json', records)], { now, shiftToFuture: true });
    expect(summary.shift_ms).toBe(6 * day);
    expect((await row(db, 's-1'))?.commence_time).toEqual(new Date('2031-09-11T00:20:00Z'));
    expect((await row(db, 's-2'))?.commence_time).toEqual(new Date('2031-09-13T19:30:00Z'));
    expect(await row(db, 's-1')).toMatchObject({ status: 'scheduled' });
  });

  it('shiftToFuture leaves a dump alone when its earliest start is ahead already, or when no record has a time', async () => {
    const now = new Date('2031-09-01T00:00:00Z');
    const ahead = await importFeeds(db, [source('a.json', [oddsApi('f-1')])], { now, shiftToFuture: true });
    expect(ahead.shift_ms).toBe(0);
    expect((await row(db, 'f-1'))?.commence_time).toEqual(new Date('2031-09-05T00:20:00Z'));
    const timeless = await importFeeds(db, [source('b.json', [oddsApi('f-2', { commence_time: null })])], { now, shiftToFuture: true });
    expect(timeless).toMatchObject({ shift_ms: 0, rejected: 1 });
  });

  it('a sports list names the group and title of its events, whichever file comes first; incomplete entries are skipped', async () => {
    const list = [
      { key: 'soccer_epl', group: 'Football', title: 'Premier League', active: true },
      { key: 'soccer_spl', group: '', title: 'Premiership', active: true },
    ];
    const event = oddsApi('l-1', { sport_key: 'soccer_epl', sport_title: 'EPL' });
    const summary = await importFeeds(db, [source('events.json', [event]), source('sports.json', list)]);
    expect(summary).toMatchObject({ sports_listed: 1, read: 1, inserted: 1 });
    expect(await row(db, 'l-1')).toMatchObject({ sport_id: 'football', sport: 'Football', league: 'Premier League' });
  });

  it('lists at most maxRejectionsListed rejections and counts them all, per format too', async () => {
    const bad = Array.from({ length: 5 }, (_, i) => oddsApi(`r-${i}`, { commence_time: 'soon' }));
    const summary = await importFeeds(db, [source('bad.json', [...bad, optic('r-ok')])], { maxRejectionsListed: 2 });
    expect(summary).toMatchObject({ read: 6, rejected: 5, rejections_total: 5, inserted: 1 });
    expect(summary.rejections).toHaveLength(2);
    expect(summary.rejections[0]).toEqual({ file: 'bad.json', position: '$[0]', reason: 'unparseable commence_time "soon"', format: 'the-odds-api' });
    expect(summary.formats).toEqual({ 'the-odds-api': { read: 5, accepted: 0, rejected: 5 }, 'optic-odds': { read: 1, accepted: 1, rejected: 0 } });
    const listed = await importFeeds(db, [source('bad.json', bad)]);
    expect(listed.rejections).toHaveLength(5);
  });

  it('an NDJSON line that is not JSON is a rejection naming its line; the lines beside it load', async () => {
    const text = `${JSON.stringify(optic('n-1'))}\n{not json\n${JSON.stringify(optic('n-2'))}\n`;
    const summary = await importFeeds(db, [{ name: 'feed.ndjson', text }]);
    expect(summary).toMatchObject({ read: 2, inserted: 2, rejected: 1, rejections_total: 1 });
    expect(summary.rejections[0]).toMatchObject({ file: 'feed.ndjson', position: expect.stringMatching(/2/) });
    expect(summary.rejections[0]).not.toHaveProperty('format');
    // A line that is not JSON has no format: it is counted in no format's figures.
    expect(summary.formats).toEqual({ 'optic-odds': { read: 2, accepted: 2, rejected: 0 } });
  });

  it('a rejected record in an NDJSON file is placed by its line and its path in that line', async () => {
    const text = `${JSON.stringify(optic('q-1'))}\n${JSON.stringify({ data: [optic('q-2', { status: 'abandoned' })] })}\n`;
    const summary = await importFeeds(db, [{ name: 'feed.ndjson', text }]);
    expect(summary.rejections).toEqual([{ file: 'feed.ndjson', position: 'line 2 $.data[0]', reason: 'unknown status "abandoned"', format: 'optic-odds' }]);
  });

  it('a file that is not JSON is a file error with the reason alone (its name is beside it), and the other files load', async () => {
    const summary = await importFeeds(db, [{ name: 'broken.json', text: '{"a": ' }, source('ok.json', [optic('b-1')])]);
    expect(summary.files).toBe(2);
    expect(summary.file_errors).toEqual([{ file: 'broken.json', reason: expect.stringMatching(/^not valid JSON/) }]);
    expect(summary.inserted).toBe(1);
  });

  it('an id, sport id or league id over 128 characters rejects its record; 128 is accepted', async () => {
    const long = 'x'.repeat(129);
    const exact = 'y'.repeat(128);
    const summary = await importFeeds(db, [
      source('ids.json', [
        optic(long),
        optic('i-sport', { sport: { id: long, name: 'Long' } }),
        optic('i-league', { league: { id: long, name: 'Long' } }),
        optic(exact),
      ]),
    ]);
    expect(summary).toMatchObject({ read: 4, inserted: 1, rejected: 3 });
    expect(summary.rejections.map((r) => r.reason)).toEqual(Array(3).fill('an id is longer than 128 characters'));
    expect(await row(db, exact)).toBeDefined();
  });

  it('a NUL character in any text field rejects its record with the reason', async () => {
    const summary = await importFeeds(db, [source('nul.json', [optic('z-1', { away_team_display: 'A\u0000B' }), optic('z-2')])]);
    expect(summary).toMatchObject({ inserted: 1, rejected: 1 });
    expect(summary.rejections[0]).toMatchObject({ position: '$[0]', reason: expect.stringMatching(/NUL character/), format: 'optic-odds' });
  });

  it('sport, league and team names are cut to 100 characters; missing teams stay missing', async () => {
    const long = 'N'.repeat(150);
    await importFeeds(db, [
      source('names.json', [
        optic('b-1', { sport: { id: 'baseball', name: long }, league: { id: 'mlb', name: long }, home_team_display: long, away_team_display: long }),
        optic('b-2', { home_team_display: null, away_team_display: null }),
      ]),
    ]);
    const cut = await row(db, 'b-1');
    for (const name of [cut?.sport, cut?.league, cut?.home_team, cut?.away_team]) expect([...(name ?? '')]).toHaveLength(100);
    expect(await row(db, 'b-2')).toMatchObject({ home_team: null, away_team: null });
  });

  it('JSON nested too deep is a rejection at its position, not a crash', async () => {
    const deep = `${'['.repeat(100)}${']'.repeat(100)}`;
    const summary = await importFeeds(db, [{ name: 'deep.json', text: `{"data": [${JSON.stringify(optic('d-1'))}], "junk": ${deep}}` }]);
    expect(summary).toMatchObject({ read: 1, inserted: 1, rejected: 1 });
    expect(summary.rejections[0]).toMatchObject({ file: 'deep.json', reason: 'nested deeper than 64 levels: not searched' });
  });

  it('format forces how records are read', async () => {
    const ambiguous = source('a.json', [optic('fmt-1')]);
    const forced = await importFeeds(db, [ambiguous], { format: 'the-odds-api' });
    expect(forced).toMatchObject({ inserted: 0 });
    expect(Object.keys(forced.formats)).not.toContain('optic-odds');
  });

  it('reports write progress as done/total, and the elapsed seconds', async () => {
    const progress: Array<[string, number, number]> = [];
    const records = Array.from({ length: 5 }, (_, i) => optic(`p-${i}`));
    const summary = await importFeeds(db, [source('p.json', records)], { batchSize: 2, onProgress: (...args) => progress.push(args) });
    expect(progress).toEqual([
      ['write', 2, 5],
      ['write', 4, 5],
      ['write', 5, 5],
    ]);
    expect(summary.seconds).toBeGreaterThanOrEqual(0);
    expect(summary.seconds).toBeLessThan(60);
  });
});

describe('what an import summary says', () => {
  const none = { read: 0, sports_listed: 0, rejections_total: 0, inserted: 0, updated: 0, unchanged: 0 };
  it('nothing recognised, every record rejected, or something imported (a row written, one unchanged, a sports list)', () => {
    expect(importOutcome(none)).toBe('none-recognised');
    expect(importOutcome({ ...none, read: 3, rejections_total: 3 })).toBe('all-rejected');
    // Nesting too deep: nothing read, one rejection.
    expect(importOutcome({ ...none, rejections_total: 1 })).toBe('all-rejected');
    expect(importOutcome({ ...none, read: 3, rejections_total: 2, inserted: 1 })).toBe('imported');
    expect(importOutcome({ ...none, read: 1, updated: 1 })).toBe('imported');
    expect(importOutcome({ ...none, read: 1, unchanged: 1 })).toBe('imported');
    expect(importOutcome({ ...none, sports_listed: 1 })).toBe('imported');
    expect(importOutcome({ ...none, sports_listed: 1, rejections_total: 1 })).toBe('imported');
  });

  it('says why nothing was imported: the first rejection, or that nothing was recognised', () => {
    expect(nothingImportedReason({ rejections_total: 0, rejections: [] })).toBe('no event records found (neither The Odds API nor Optic Odds)');
    expect(
      nothingImportedReason({
        rejections_total: 7,
        rejections: [
          { file: 'body', position: '$[0]', reason: 'no id' },
          { file: 'body', position: '$[1]', reason: 'other' },
        ],
      }),
    ).toBe('none of its records could be imported (7 rejected; the first, at $[0]: no id)');
  });

  it('an import changed something when it inserted or updated a row', () => {
    expect(changedAnything({ inserted: 0, updated: 0 })).toBe(false);
    expect(changedAnything({ inserted: 1, updated: 0 })).toBe(true);
    expect(changedAnything({ inserted: 0, updated: 1 })).toBe(true);
  });
});
