import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate, migrationStatus } from '../../src/db/migrate.js';
import type { Db } from '../../src/db/types.js';
import { basisOf, buildSidebar } from '../../src/sidebar/hierarchy.js';
import { createSidebarRepository, type SidebarRow } from '../../src/sidebar/repository.js';
import { expectedSidebar, insertEvents, loadFixtures } from '../fixtures/events.js';
import { backends, latestMigration, type TestDb } from '../helpers/backends.js';

/** The sidebar as [sport_id, games, live, [[league_id, games, live]]] for comparison with expectedSidebar. */
function summarise(rows: SidebarRow[]) {
  return buildSidebar(basisOf(rows, { source: 'materialized_view', refreshedAt: null, version: 3 })).sports.map((s) => [
    s.sport_id,
    s.game_count,
    s.live_game_count,
    s.leagues.map((l) => [l.league_id, l.game_count, l.live_game_count]),
  ]);
}

describe.each(backends)('SQL on $name', (backend) => {
  let testDb: TestDb;
  let db: Db;
  let repo: ReturnType<typeof createSidebarRepository>;

  beforeAll(async () => {
    testDb = await backend.createDb();
    db = testDb.db;
    repo = createSidebarRepository(db);
    await loadFixtures(db);
  });
  afterAll(() => testDb?.drop());

  it('migrations are current, and running them again does no harm', async () => {
    expect(latestMigration).toBeGreaterThanOrEqual(10);
    expect(await migrate(db)).toEqual({ applied: [], version: latestMigration, definitions: [] });
    expect(await migrationStatus(db)).toEqual({ current: latestMigration, latest: latestMigration });
  });

  it('a definition whose file changed is applied again to a database already at the latest migration', async () => {
    // As a database migrated before sidebar_data_version.sql declared its one row: the old
    // definition in place, and its file's checksum as it was then.
    await db.query('alter function sidebar_data_version() rows 1000');
    await db.query(`update sidebar_definitions set checksum = 'an earlier file' where name = 'sidebar_data_version'`);
    const result = await migrate(db);
    expect(result.applied).toEqual([]);
    expect(result.definitions).toContain('sidebar_data_version');
    const { rows } = await db.query<{ prorows: number }>(`select prorows from pg_proc where proname = 'sidebar_data_version'`);
    expect(rows).toEqual([{ prorows: 1 }]);
    expect(await migrate(db)).toEqual({ applied: [], version: latestMigration, definitions: [] });
  });

  it.runIf(backend.dbKind === 'postgres')(
    'three instances migrating a fresh database at once: one applies every migration, the others wait and find none to apply',
    async () => {
      const fresh = await backend.createDb({ migrate: false });
      const { createPostgresDb } = await import('../../src/db/postgres.js');
      const others = [1, 2].map(() => createPostgresDb({ connectionString: fresh.url as string, max: 2, onIdleError: () => {} }));
      try {
        const results = await Promise.all([fresh.db, ...others].map((instance) => migrate(instance)));
        expect(results.map((r) => r.version)).toEqual([latestMigration, latestMigration, latestMigration]);
        expect(results.map((r) => r.applied.length).sort()).toEqual([0, 0, latestMigration]);
        // The lock is the transaction's: none is left held once they are done.
        const { rows } = await fresh.db.query<{ n: number }>(
          `select count(*)::int as n from pg_locks where locktype = 'advisory' and database = (select oid from pg_database where datname = current_database())`,
        );
        expect(rows[0]?.n).toBe(0);
      } finally {
        await Promise.all(others.map((o) => o.close()));
        await fresh.drop();
      }
    },
  );

  it('the view starts unpopulated, so reading it fails until the first refresh', async () => {
    expect((await repo.viewState()).populated).toBe(false);
    await expect(repo.readView()).rejects.toThrow(/has not been populated/);
  });

  it('the fallback aggregation counts and orders the known data set', async () => {
    expect(summarise(await repo.readSource())).toEqual(expectedSidebar);
  });

  it('the first refresh populates the view, logs success, and the view agrees with the fallback', async () => {
    const log = await repo.refresh('startup', 30);
    expect(log).toMatchObject({ status: 'success', trigger: 'startup', row_count: 12, alert_triggered: false, error_message: null });
    expect(log.duration_ms).toBeGreaterThanOrEqual(0);
    expect(log.finished_at.getTime()).toBeGreaterThanOrEqual(log.started_at.getTime());
    expect(summarise((await repo.readView()).rows)).toEqual(expectedSidebar);
    expect((await repo.readView()).rows).toEqual(await repo.readSource());
  });

  it('next_start is the earliest upcoming start, and null when every open game has started', async () => {
    const { rows } = await repo.readView();
    const nba = rows.find((r) => r.league_id === 'nba');
    const curling = rows.find((r) => r.league_id === 'grand_slam');
    // NBA: the 11 h-old scheduled game and the live one have started; the next is 2 h ahead.
    expect(nba?.next_start?.getTime()).toBeGreaterThan(Date.now() + 1.9 * 3600_000);
    expect(nba?.next_start?.getTime()).toBeLessThan(Date.now() + 2.1 * 3600_000);
    expect(curling?.next_start).toBeNull();
  });

  it('events beyond the horizon (sidebar_settings.event_horizon, 10 years by default) are not counted until it is widened', async () => {
    await insertEvents(db, [
      { id: 'far-1', sport: 'hostile', league: 'year2900', leagueName: 'Year 2900', startsAt: new Date('2900-01-01T00:00:00Z') },
      { id: 'near-1', sport: 'hostile', league: 'next_year', leagueName: 'Next Year', hoursFromNow: 300 * 24 },
    ]);
    try {
      const leagues = async () => (await repo.readSource()).filter((r) => r.sport_id === 'hostile').map((r) => r.league_id);
      expect(await leagues()).toEqual(['next_year']);
      await db.query(`update sidebar_settings set event_horizon = interval '1000 years'`);
      expect((await leagues()).sort()).toEqual(['next_year', 'year2900']);
      await db.query(`update sidebar_settings set event_horizon = interval '30 days'`);
      expect(await leagues()).toEqual([]);
    } finally {
      await db.query(`delete from odds_events where id in ('far-1', 'near-1')`);
      await db.query(`update sidebar_settings set event_horizon = default`);
    }
  });

  it('priorities and icons come from the configuration tables, and editing them reorders the next refresh', async () => {
    const before = (await repo.readView()).rows;
    expect(before.find((r) => r.sport_id === 'basketball')).toMatchObject({ sport_icon: '🏀', sport_priority: 20, league_priority: 10 });
    expect(before.find((r) => r.sport_id === 'curling')).toMatchObject({ sport_icon: null, sport_priority: null });

    await db.query(`insert into sidebar_sport_config (sport_id, priority, icon) values ('curling', 1, '🥌')`);
    await repo.refresh('manual', 30);
    const after = summarise((await repo.readView()).rows);
    expect(after.map((s) => s[0])).toEqual(['curling', 'basketball', 'soccer', 'chess', 'handball']);
    await db.query(`delete from sidebar_sport_config where sport_id = 'curling'`);
    await repo.refresh('manual', 30);
  });

  it('a refresh slower than the alert threshold is flagged (tiny threshold)', async () => {
    const log = await repo.refresh('manual', 0);
    expect(log.status).toBe('success');
    expect(log.alert_triggered).toBe(log.duration_ms > 0);
    expect(log.alert_threshold_ms).toBe(0);
    const negativeThreshold = await repo.refresh('manual', -1);
    expect(negativeThreshold.alert_triggered).toBe(true);
  });

  it('a refresh within the minimum interval of the last success is skipped', async () => {
    await repo.refresh('manual', 30);
    const log = await repo.refresh('scheduler', 30, 60);
    expect(log).toMatchObject({ status: 'skipped', trigger: 'scheduler', duration_ms: 0 });
    expect(log.error_message).toMatch(/minimum interval/);
  });

  it('a failed refresh is logged as an error and keeps the previous view contents', async () => {
    const before = (await repo.readView()).rows;
    await insertEvents(db, [{ id: 'fx-new' }]);
    // Without its unique index the view cannot be refreshed concurrently: the refresh fails.
    await db.query('drop index idx_sidebar_data_sport_league');
    try {
      const log = await repo.refresh('manual', 30);
      expect(log.status).toBe('error');
      expect(log.error_message).toMatch(/concurrently/i);
      expect((await repo.readView()).rows).toEqual(before);
    } finally {
      await db.query('create unique index idx_sidebar_data_sport_league on sidebar_data (sport_id, league_id)');
      await db.query(`delete from odds_events where id = 'fx-new'`);
    }
    expect((await repo.refresh('manual', 30)).status).toBe('success');
  });

  it('the refresh log feeds the 24-hour summary', async () => {
    const summary = await repo.refreshSummary(24);
    expect(summary.refreshes).toBeGreaterThanOrEqual(6);
    expect(summary.failures).toBe(1);
    expect(summary.alerts).toBeGreaterThanOrEqual(1);
    expect(summary.avg_duration_ms).toBeGreaterThanOrEqual(0);
    expect(summary.p95_duration_ms).toBeGreaterThanOrEqual(0);
    const recent = await repo.recentRefreshes(3);
    expect(recent).toHaveLength(3);
    expect(recent[0]?.id).toBeGreaterThan(recent[1]?.id ?? Infinity);
  });

  it.skipIf(backend.dbKind !== 'postgres')('a refresh while another holds the lock is skipped, from another connection', async () => {
    // PGlite is a single connection, so two sessions cannot exist there; this runs on PostgreSQL.
    const other = new pg.Client({ connectionString: testDb.url });
    await other.connect();
    try {
      await other.query('begin');
      await other.query(`select pg_advisory_xact_lock(hashtext('refresh_sidebar_data'))`);
      const log = await repo.refresh('manual', 30);
      expect(log).toMatchObject({ status: 'skipped', error_message: 'another refresh is in progress' });
      await other.query('rollback');
      expect((await repo.refresh('manual', 30)).status).toBe('success');
    } finally {
      await other.end();
    }
  });

  it.skipIf(backend.dbKind !== 'postgres')('two refreshes started at once: exactly one runs, the other is skipped', async () => {
    // Slow the refresh down so the two calls overlap: a trigger-free way is a heavy odds_events.
    await db.query(
      `insert into odds_events (id, sport_id, sport, league_id, league, commence_time, status)
      select 'bulk-' || g, 'bulk', 'Bulk', 'bulk-' || (g % 500), 'Bulk ' || (g % 500), now() + interval '1 day', 'scheduled'
      from generate_series(1, 200000) g`,
      [],
      { timeoutMs: 60_000 },
    );
    try {
      // The lock is under test, not speed: a deadline a loaded machine cannot miss.
      const patient = createSidebarRepository(db, { refreshTimeoutMs: 60_000 });
      const results = await Promise.all([patient.refresh('manual', 30), patient.refresh('manual', 30)]);
      expect(results.map((r) => r.status).sort()).toEqual(['skipped', 'success']);
    } finally {
      await db.query(`delete from odds_events where sport_id = 'bulk'`, [], { timeoutMs: 60_000 });
    }
  });
});
