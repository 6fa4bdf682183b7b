import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { paths, type Sidebar, type Stats } from '../../src/contract/index.js';
import { warnIfQueueNotVacuumed } from '../../src/db/maintenance.js';
import type { Db } from '../../src/db/types.js';
import { createSidebarRepository, type RefreshLogRow } from '../../src/sidebar/repository.js';
import { insertEventBySql, loadFixtures } from '../fixtures/events.js';
import { asAdmin, buildTestApp } from '../helpers/app.js';
import { backends, type TestDb, useFixtureBackend } from '../helpers/backends.js';
import { capturingLogger } from '../helpers/logger.js';

/**
 * Change-driven freshness (migrations 010, 011): writes record what they changed, and
 * refresh_sidebar_data_if_changed() refreshes at most once per gap, whoever wrote, by applying
 * those changes to the league counts.
 */
describe.each(backends)('change-driven refreshes on $name', (backend) => {
  let testDb: TestDb;
  let db: Db;
  let ids = 0;

  const pending = async () =>
    (await db.query<{ sport_id: string | null; league_id: string | null }>('select sport_id, league_id from sidebar_changes order by id')).rows;
  const refreshIfChanged = async (gapSeconds = 0) =>
    (await db.query<RefreshLogRow>('select * from refresh_sidebar_data_if_changed($1, 30)', [gapSeconds])).rows[0] ?? null;
  const logRows = async () => (await db.query<{ n: number }>('select count(*)::integer as n from sidebar_refresh_log')).rows[0]?.n ?? 0;
  const insert = (league: string, status: 'scheduled' | 'completed' = 'scheduled') => insertEventBySql(db, `ch-${++ids}`, { league, status });

  beforeAll(async () => {
    testDb = await backend.createDb();
    db = testDb.db;
    await loadFixtures(db);
    await db.query(`select refresh_sidebar_data('startup')`);
  });
  beforeEach(async () => {
    await db.query('delete from sidebar_changes');
  });
  afterAll(() => testDb?.drop());

  describe('what a write marks', () => {
    it('one row per statement, touched (sport, league) of open events and start of its games not yet live, for inserts, updates and deletes', async () => {
      await db.query(
        `insert into odds_events (id, sport_id, sport, league_id, league, commence_time, status)
         select 'bulk-' || g, 'darts', 'Darts', 'pdc-' || (g % 2), 'PDC', now() + interval '1 hour', 'scheduled'
         from generate_series(1, 100) as g`,
      );
      expect(await pending()).toEqual(
        expect.arrayContaining([
          { sport_id: 'darts', league_id: 'pdc-0' },
          { sport_id: 'darts', league_id: 'pdc-1' },
        ]),
      );
      expect(await pending()).toHaveLength(2);
      await db.query('delete from sidebar_changes');
      await db.query(`update odds_events set status = 'live' where id = 'bulk-2'`);
      // Gone from its start time (a game not yet live), come as a live game (no start).
      const { rows } = await db.query('select league_id, commence_time is not null as at_start, game_delta, live_delta from sidebar_changes order by at_start');
      expect(rows).toEqual([
        { league_id: 'pdc-0', at_start: false, game_delta: 1, live_delta: 1 },
        { league_id: 'pdc-0', at_start: true, game_delta: -1, live_delta: 0 },
      ]);
      await db.query('delete from sidebar_changes');
      // Moved to another league: both leagues changed.
      await db.query(`update odds_events set league_id = 'pdc-9' where id = 'bulk-3'`);
      expect(await pending()).toEqual(
        expect.arrayContaining([
          { sport_id: 'darts', league_id: 'pdc-1' },
          { sport_id: 'darts', league_id: 'pdc-9' },
        ]),
      );
      await db.query('delete from sidebar_changes');
      await db.query(`delete from odds_events where id like 'bulk-%'`);
      // pdc-0: its live game, and its games at their start.
      expect((await pending()).map((r) => r.league_id).sort()).toEqual(['pdc-0', 'pdc-0', 'pdc-1', 'pdc-9']);
    });

    it('writes to finished events mark nothing: they are not counted', async () => {
      await insert('finished', 'completed');
      await db.query(`update odds_events set home_team = 'X' where status = 'completed'`);
      await db.query(`delete from odds_events where status = 'completed' and league_id = 'finished'`);
      expect(await pending()).toEqual([]);
    });

    it('a change of the configuration marks everything', async () => {
      await db.query(`update sidebar_settings set event_horizon = interval '10 years'`);
      await db.query(`insert into sidebar_league_config (league_id, priority) values ('pdc', 5) on conflict (league_id) do update set priority = 5`);
      // (An upsert fires the statement triggers of both INSERT and UPDATE.)
      const marked = await pending();
      expect(marked.length).toBeGreaterThanOrEqual(2);
      expect(marked.every((r) => r.sport_id === null && r.league_id === null)).toBe(true);
    });
  });

  describe('refresh_sidebar_data_if_changed()', () => {
    it('with nothing pending, returns no row and logs nothing', async () => {
      const before = await logRows();
      expect(await refreshIfChanged()).toBeNull();
      expect(await logRows()).toBe(before);
    });

    it('with changes pending, refreshes (trigger "change"), consumes them, and the view shows the write', async () => {
      await insert('ch-league');
      const result = await refreshIfChanged();
      expect(result).toMatchObject({ status: 'success', trigger: 'change' });
      expect(await pending()).toEqual([]);
      const { rows } = await createSidebarRepository(db).readView();
      expect(rows.some((r) => r.league_id === 'ch-league')).toBe(true);
      expect(await refreshIfChanged()).toBeNull();
    });

    it('within the minimum gap since the last refresh it waits, logging nothing; the changes stay', async () => {
      await db.query(`select refresh_sidebar_data('manual')`);
      await insert('gap-league');
      const before = await logRows();
      expect(await refreshIfChanged(3600)).toBeNull();
      expect(await logRows()).toBe(before);
      expect(await pending()).toHaveLength(1);
      expect(await refreshIfChanged(0)).toMatchObject({ status: 'success' });
    });

    it('any successful refresh consumes the changes it covered, whoever called it, so nothing piles up', async () => {
      await insert('manual-league');
      await db.query(`select refresh_sidebar_data('manual')`);
      expect(await pending()).toEqual([]);
      expect(await refreshIfChanged()).toBeNull();
    });

    it('a failed refresh consumes nothing: the changes wait for the next one', async () => {
      await insert('fail-league');
      await db.query('alter materialized view sidebar_data rename to sidebar_data_away');
      try {
        expect(await refreshIfChanged()).toMatchObject({ status: 'error', trigger: 'change' });
      } finally {
        await db.query('alter materialized view sidebar_data_away rename to sidebar_data');
      }
      expect(await pending()).toHaveLength(1);
      expect(await refreshIfChanged()).toMatchObject({ status: 'success' });
    });
  });

  describe('incremental refreshes (011)', () => {
    /**
     * sidebar_data against the aggregation of odds_events now, and the starts kept for the time
     * windows (012) against theirs: rows in one and not the other.
     */
    /**
     * Every quantity a refresh keeps against the same computed from odds_events now: the counts,
     * the starts, each league's row (but starts_until, which only kept rows have) and the view.
     */
    const keptDifferences = async () => {
      const count = async (sql: string) => (await db.query<{ n: number }>(`select count(*)::integer as n from (${sql}) as d`)).rows[0]?.n;
      const apart = (a: string, b: string) => count(`(select * from ${a} except select * from ${b}) union all (select * from ${b} except select * from ${a})`);
      const rowColumns = `sport_id, league_id, sport, league, game_count, live_game_count, next_start, sport_priority, sport_icon,
        league_priority, league_icon, starts, region_id, region, region_priority, sport_names, league_names, region_names, jurisdictions`;
      return {
        counts: await apart(
          '(select sport_id, league_id, sport, league, game_count, live_game_count, next_start from sidebar_league_counts) as kept',
          'sidebar_league_source',
        ),
        starts: await apart('(select * from sidebar_league_starts where game_count > 0) as held', 'sidebar_league_start_source'),
        rows: await apart(
          `(select ${rowColumns} from sidebar_league_rows) as kept`,
          `(select ${rowColumns} from sidebar_league_row_source where from_events) as now`,
        ),
        view: await apart('sidebar_data', 'sidebar_source'),
      };
    };
    const noDifferences = { counts: 0, starts: 0, rows: 0, view: 0 };
    /** A count made wrong behind the refreshes' back: only a full rebuild repairs it. Planted in what a refresh keeps (the counts and the row built from them) of a league no write touches. */
    const corrupt = async () => {
      for (const table of ['sidebar_league_counts', 'sidebar_league_rows']) {
        const { rows } = await db.query(
          `update ${table} set game_count = game_count + 1000
           where league_id = (select min(league_id) from sidebar_league_counts) returning league_id`,
        );
        expect(rows).toHaveLength(1);
      }
    };
    const corrupted = async () => (await db.query<{ yes: boolean }>('select exists (select 1 from sidebar_data where game_count > 1000) as yes')).rows[0]?.yes;

    it('a change-driven refresh applies what the writes recorded to the counts it holds; it does not recount every event', async () => {
      await db.query(`select refresh_sidebar_data('manual')`);
      await corrupt();
      await insert('inc-league');
      expect(await refreshIfChanged()).toMatchObject({ status: 'success', trigger: 'change' });
      expect(await corrupted()).toBe(true); // built on the table: the planted count is still there
      const { rows } = await createSidebarRepository(db).readView();
      expect(rows.find((r) => r.league_id === 'inc-league')?.game_count).toBe(1);
      await db.query(`select refresh_sidebar_data('manual')`); // a full refresh recounts
      expect(await corrupted()).toBe(false);
      expect(await keptDifferences()).toEqual(noDifferences);
    });

    it('a change-driven refresh also rebuilds the rows whose time-bound parts went stale: a kept start reached the window, the next start passed', async () => {
      await db.query(`select refresh_sidebar_data('manual')`);
      const [first, second] = (await db.query<{ league_id: string }>('select league_id from sidebar_league_rows order by league_id limit 2')).rows.map(
        (r) => r.league_id,
      );
      // As time would leave them: a start beyond the window's end is now within it (planted: the
      // row's starts lack it), and the next start is in the past (planted in the counts and the row).
      await db.query(`update sidebar_league_rows set starts = '[[1, 99]]', starts_until = now() - interval '1 second' where league_id = $1`, [first]);
      for (const table of ['sidebar_league_counts', 'sidebar_league_rows'])
        await db.query(`update ${table} set next_start = now() - interval '1 hour' where league_id = $1`, [second]);
      await insert('stale-elsewhere');
      expect(await refreshIfChanged()).toMatchObject({ status: 'success', trigger: 'change' });
      expect(await keptDifferences()).toEqual(noDifferences);
    });

    it('a configuration change or a TRUNCATE makes the next change-driven refresh a full one', async () => {
      await db.query(`select refresh_sidebar_data('manual')`);
      await corrupt();
      await db.query(`update sidebar_settings set event_horizon = event_horizon`);
      expect(await refreshIfChanged()).toMatchObject({ status: 'success', trigger: 'change' });
      expect(await corrupted()).toBe(false);
      await corrupt();
      await db.query('create table if not exists truncated_here (like odds_events)');
      await db.query('truncate truncated_here'); // another table's TRUNCATE marks nothing
      expect(await pending()).toEqual([]);
      const saved = await db.query('select * from odds_events');
      await db.query('truncate odds_events');
      expect(await pending()).toEqual([{ sport_id: null, league_id: null }]);
      await db.query(`insert into odds_events select * from json_populate_recordset(null::odds_events, $1)`, [JSON.stringify(saved.rows)]);
      expect(await refreshIfChanged()).toMatchObject({ status: 'success' });
      expect(await corrupted()).toBe(false);
      expect(await keptDifferences()).toEqual(noDifferences);
    });

    it('whatever mix of inserts, status changes, moves, start-time changes, deletes, configuration (order, names, regions) and jurisdiction changes (league and team rules, modes), with full refreshes between or not, what a refresh keeps (counts, starts, rows, the view) then equals the aggregation of odds_events now', async () => {
      const league = fc.constantFrom('p-a', 'p-b', 'p-c');
      const status = fc.constantFrom('scheduled', 'live', 'completed', 'cancelled');
      // Start times far from the rules' boundaries (12 hours ago, now), so the test's own
      // duration cannot move an event across one.
      const start = fc.constantFrom('-14 hours', '-2 hours', '1 hour', '3 hours', '30 days');
      // From one instant, so games share start times (as kick-offs do) and a write changes the count at a start.
      const base = (await db.query<{ at: Date }>(`select date_trunc('minute', now()) as at`)).rows[0]?.at;
      const id = fc.integer({ min: 1, max: 12 });
      // A team New Jersey bars (015's seeded rules), in any case, or one it does not: what it hides is in the view too.
      const team = fc.constantFrom('Rutgers Scarlet Knights', 'PRINCETON TIGERS', 'Duke Blue Devils');
      const op = fc.oneof(
        fc.record({ kind: fc.constant('insert' as const), id, league, status, start, team }),
        fc.record({ kind: fc.constant('team' as const), id, team }),
        fc.record({ kind: fc.constant('status' as const), id, status }),
        fc.record({ kind: fc.constant('move' as const), id, league }),
        fc.record({ kind: fc.constant('start' as const), id, start }),
        fc.record({ kind: fc.constant('delete' as const), id }),
        fc.record({ kind: fc.constant('bulk' as const), status }),
        // The configuration: a league's order, its name in a language, its region, the sport's order;
        // a jurisdiction's rule on a league or a team, and whether it lists what it hides or what it shows.
        fc.record({ kind: fc.constant('priority' as const), league, priority: fc.integer({ min: 0, max: 3 }) }),
        fc.record({ kind: fc.constant('name' as const), league, name: fc.constantFrom('Ligue', 'Liga') }),
        fc.record({ kind: fc.constant('region' as const), league, region: fc.constantFrom('europe', 'usa', null) }),
        fc.record({ kind: fc.constant('sport' as const), priority: fc.option(fc.integer({ min: 0, max: 3 })) }),
        fc.record({ kind: fc.constant('rule' as const), league, add: fc.boolean() }),
        fc.record({ kind: fc.constant('team rule' as const), team, add: fc.boolean() }),
        fc.record({ kind: fc.constant('mode' as const), mode: fc.constantFrom('blocklist', 'allowlist') }),
        fc.record({ kind: fc.constant('full' as const) }),
      );
      await fc.assert(
        // Each write followed, or not, by a change-driven refresh: what one refresh leaves, the next one's deltas must build on.
        // Then a change-driven refresh, or a full one (which rebuilds on what the others left).
        fc.asyncProperty(fc.array(fc.tuple(op, fc.boolean()), { minLength: 1, maxLength: 12 }), fc.boolean(), async (steps, fullAtEnd) => {
          await db.query(`delete from odds_events where id like 'prop-%'`);
          await db.query(`delete from sidebar_league_config where league_id like 'p-%'`);
          await db.query(`delete from sidebar_names where id like 'p-%'`);
          await db.query(`delete from sidebar_jurisdiction_rules where value like 'p-%' or (jurisdiction = 'US-PA' and kind = 'team')`);
          await db.query(`delete from sidebar_league_regions where league_id like 'p-%'`);
          await db.query(`delete from sidebar_sport_config where sport_id = 'darts'`);
          await db.query(`update sidebar_jurisdictions set mode = 'blocklist' where code = 'US-PA'`);
          await db.query(`select refresh_sidebar_data('manual')`);
          for (const [o, refreshAfter] of steps) {
            const key = 'id' in o ? `prop-${o.id}` : '';
            if (o.kind === 'insert')
              await db.query(
                `insert into odds_events (id, sport_id, sport, league_id, league, commence_time, status, home_team, away_team)
                 values ($1, 'darts', 'Darts', $2, upper($2), $5::timestamptz + $3::interval, $4, $6, 'Away') on conflict (id) do nothing`,
                [key, o.league, o.start, o.status, base, o.team],
              );
            else if (o.kind === 'team') await db.query('update odds_events set away_team = $2 where id = $1', [key, o.team]);
            else if (o.kind === 'status') await db.query('update odds_events set status = $2 where id = $1', [key, o.status]);
            else if (o.kind === 'move') await db.query('update odds_events set league_id = $2, league = upper($2) where id = $1', [key, o.league]);
            else if (o.kind === 'start')
              await db.query('update odds_events set commence_time = $3::timestamptz + $2::interval where id = $1', [key, o.start, base]);
            else if (o.kind === 'delete') await db.query('delete from odds_events where id = $1', [key]);
            else if (o.kind === 'bulk') await db.query(`update odds_events set status = $1 where id like 'prop-%' and league_id = 'p-a'`, [o.status]);
            else if (o.kind === 'priority')
              await db.query(
                `insert into sidebar_league_config (league_id, priority) values ($1, $2)
                 on conflict (league_id) do update set priority = excluded.priority`,
                [o.league, o.priority],
              );
            else if (o.kind === 'name')
              await db.query(
                `insert into sidebar_names (kind, id, lang, name) values ('league', $1, 'fr', $2)
                 on conflict (kind, id, lang) do update set name = excluded.name`,
                [o.league, o.name],
              );
            else if (o.kind === 'region')
              await db.query(
                o.region
                  ? `insert into sidebar_league_regions (league_id, region_id) values ($1, $2)
                     on conflict (league_id) do update set region_id = excluded.region_id`
                  : 'delete from sidebar_league_regions where league_id = $1',
                o.region ? [o.league, o.region] : [o.league],
              );
            else if (o.kind === 'sport')
              await db.query(
                o.priority === null
                  ? `delete from sidebar_sport_config where sport_id = 'darts'`
                  : `insert into sidebar_sport_config (sport_id, priority) values ('darts', $1)
                     on conflict (sport_id) do update set priority = excluded.priority`,
                o.priority === null ? [] : [o.priority],
              );
            else if (o.kind === 'rule' || o.kind === 'team rule')
              await db.query(
                o.add
                  ? `insert into sidebar_jurisdiction_rules (jurisdiction, kind, value) values ('US-PA', $1, $2) on conflict do nothing`
                  : `delete from sidebar_jurisdiction_rules where jurisdiction = 'US-PA' and kind = $1 and value = $2`,
                o.kind === 'rule' ? ['league', o.league] : ['team', o.team],
              );
            else if (o.kind === 'mode') await db.query(`update sidebar_jurisdictions set mode = $1 where code = 'US-PA'`, [o.mode]);
            else await db.query(`select refresh_sidebar_data('manual')`);
            if (refreshAfter) await refreshIfChanged();
          }
          if (fullAtEnd) await db.query(`select refresh_sidebar_data('manual')`);
          else await refreshIfChanged();
          expect(await keptDifferences()).toEqual(noDifferences);
          // A full refresh leaves no absent start behind.
          const absent = (await db.query<{ n: number }>('select count(*)::integer as n from sidebar_league_starts where game_count <= 0')).rows[0]?.n;
          if (fullAtEnd) expect(absent).toBe(0);
        }),
        {
          numRuns: 30,
          examples: [
            // A second game at a start a refresh already holds, then a full refresh: the count at that start is rewritten.
            [
              [
                [{ kind: 'insert', id: 1, league: 'p-a', status: 'scheduled', start: '1 hour', team: 'Duke Blue Devils' }, true],
                [{ kind: 'insert', id: 2, league: 'p-a', status: 'scheduled', start: '1 hour', team: 'Duke Blue Devils' }, false],
              ],
              true,
            ],
            // The same with change-driven refreshes only: the count at that start is updated in place.
            [
              [
                [{ kind: 'insert', id: 1, league: 'p-a', status: 'scheduled', start: '1 hour', team: 'Duke Blue Devils' }, true],
                [{ kind: 'insert', id: 2, league: 'p-a', status: 'scheduled', start: '1 hour', team: 'Duke Blue Devils' }, true],
              ],
              false,
            ],
            // A game deleted from a start a refresh holds: the count at that start goes down.
            [
              [
                [{ kind: 'insert', id: 3, league: 'p-b', status: 'scheduled', start: '3 hours', team: 'Duke Blue Devils' }, true],
                [{ kind: 'delete', id: 3 }, false],
              ],
              false,
            ],
            // A game whose team New Jersey bars, then one it does not (the barred game renamed): what it hides follows, refresh by refresh.
            [
              [
                [{ kind: 'insert', id: 4, league: 'p-a', status: 'live', start: '-2 hours', team: 'Rutgers Scarlet Knights' }, true],
                [{ kind: 'insert', id: 5, league: 'p-a', status: 'scheduled', start: '1 hour', team: 'Duke Blue Devils' }, true],
                [{ kind: 'team', id: 5, team: 'PRINCETON TIGERS' }, true],
                [{ kind: 'team', id: 5, team: 'Duke Blue Devils' }, true],
              ],
              false,
            ],
          ],
        },
      );
    });

    it.runIf(backend.dbKind === 'postgres')(
      'a write committed after the refresh began stays pending; a refresh running elsewhere is not waited for',
      async () => {
        const writer = new pg.Client({ connectionString: testDb.url });
        await writer.connect();
        try {
          await writer.query('begin');
          await writer.query(
            `insert into odds_events (id, sport_id, sport, league_id, league, commence_time, status)
           values ('late-1', 'darts', 'Darts', 'late', 'Late', now() + interval '1 hour', 'scheduled')`,
          );
          await insert('early');
          expect(await refreshIfChanged()).toMatchObject({ status: 'success' }); // sees 'early' only
          await writer.query('commit');
          expect(await pending()).toEqual([{ sport_id: 'darts', league_id: 'late' }]);

          await writer.query('begin');
          await writer.query(`select pg_advisory_xact_lock(hashtext('refresh_sidebar_data'))`);
          const before = await logRows();
          expect(await refreshIfChanged()).toBeNull();
          expect(await logRows()).toBe(before);
          await writer.query('commit');
          expect(await refreshIfChanged()).toMatchObject({ status: 'success' });
        } finally {
          await writer.end();
        }
      },
    );
  });
});

describe.each(backends)('a write reaches every reader without a refresh call, on $name', (backend) => {
  const fixture = useFixtureBackend(backend);
  const apps: FastifyInstance[] = [];

  afterEach(async () => {
    await Promise.all(apps.splice(0).map((app) => app.close()));
  });

  it.each([
    { how: 'woken by the database notifications', wakeups: true },
    { how: 'by polls (notifications off, as through a transaction pooler)', wakeups: false },
  ])('a direct SQL insert is served by two instances within the gap, $how; one refresh per gap', async ({ wakeups }) => {
    const config = { changePollMs: 50, changeMinGapMs: 300, versionPollMs: 50, wakeups };
    for (let i = 0; i < 2; i++) apps.push(await buildTestApp({ db: fixture.db.db, cache: fixture.cache.cache, prefix: fixture.cache.prefix }, config));
    const totals = async () =>
      Promise.all(apps.map(async (app) => (await app.inject({ method: 'GET', url: paths.sidebar })).json<Sidebar>().totals.game_count));
    const before = await totals();
    const firstChange = await fixture.db.db.query<{ id: number }>('select coalesce(max(id), 0) as id from sidebar_refresh_log');

    const started = Date.now();
    for (let i = 0; i < 5; i++) {
      await insertEventBySql(fixture.db.db, `live-write-${wakeups}-${i}`);
    }
    const expected = before.map((n) => n + 5);
    while (JSON.stringify(await totals()) !== JSON.stringify(expected)) {
      if (Date.now() - started > 5000) throw new Error(`not visible after 5 s: ${JSON.stringify(await totals())}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    // A bound generous for CI; bench:freshness measures the real figure.
    expect(Date.now() - started).toBeLessThan(2000);

    const { rows } = await fixture.db.db.query<{ trigger: string; status: string; started_at: Date }>(
      'select trigger, status, started_at from sidebar_refresh_log where id > $1 order by id',
      [firstChange.rows[0]?.id ?? 0],
    );
    expect(rows.every((r) => r.trigger === 'change' && r.status === 'success')).toBe(true);
    // Two instances polling every 50 ms: still at most one refresh per 300 ms gap.
    for (let i = 1; i < rows.length; i++) {
      expect((rows[i]?.started_at.getTime() ?? 0) - (rows[i - 1]?.started_at.getTime() ?? 0)).toBeGreaterThanOrEqual(250);
    }
    const stats = (await apps[0]?.inject({ method: 'GET', url: paths.stats, headers: asAdmin }))?.json<Stats>();
    // Woken by the database's notifications, the loop polls only as a safety net.
    expect(stats?.changes).toMatchObject({ enabled: true, woken: wakeups, poll_ms: wakeups ? 5000 : 50, min_gap_ms: 300, failing: false });
  });

  it('SIDEBAR_CHANGE_POLL_MS=0 turns it off: a write waits for a refresh', async () => {
    const app = await buildTestApp({ db: fixture.db.db, cache: fixture.cache.cache, prefix: `${fixture.cache.prefix}:off` }, { changePollMs: 0 });
    apps.push(app);
    await insertEventBySql(fixture.db.db, 'off-1');
    await new Promise((resolve) => setTimeout(resolve, 300));
    const { rows } = await fixture.db.db.query<{ n: number }>('select count(*)::integer as n from sidebar_changes');
    expect(rows[0]?.n).toBeGreaterThan(0);
    expect((await app.inject({ method: 'GET', url: paths.stats, headers: asAdmin })).json<Stats>().changes.enabled).toBe(false);
  });
});

describe.each(backends.filter((b) => b.dbKind === 'postgres'))('the change records are vacuumed, on $name', (backend) => {
  let testDb: TestDb;
  beforeAll(async () => {
    testDb = await backend.createDb();
  });
  afterAll(() => testDb?.drop());

  it("the start-up check warns when nothing will vacuum the queue: the server's autovacuum off, or the table's", async () => {
    const db = testDb.db;
    const serverOn = (await db.query<{ on: boolean }>(`select current_setting('autovacuum')::boolean as on`)).rows[0]?.on;
    const warned = async () => {
      const { log, lines } = capturingLogger();
      const problem = await warnIfQueueNotVacuumed(db, log);
      return { problem, warnings: lines.filter((l) => l.level === 40).map((l) => l.problem) };
    };
    // The server's setting decides the first answer (this machine's runs without autovacuum); the table's then one more.
    expect(await warned()).toEqual(
      serverOn
        ? { problem: null, warnings: [] }
        : { problem: 'autovacuum is off on this database server', warnings: ['autovacuum is off on this database server'] },
    );
    await db.query('alter table sidebar_changes set (autovacuum_enabled = false)');
    const problem = serverOn ? 'autovacuum is disabled on sidebar_changes (autovacuum_enabled = false)' : 'autovacuum is off on this database server';
    expect(await warned()).toEqual({ problem, warnings: [problem] });
    await db.query('alter table sidebar_changes reset (autovacuum_enabled)');
  });
});
