import { spawn } from 'node:child_process';
import { once } from 'node:events';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { paths } from '../../src/contract/index.js';
import { asAdmin, cleanupAll, gameCount, get, type Service, seedEvents, sleep, startService, waitFor } from '../faults/harness.js';
import { startReplicatedPostgres } from './replicated-postgres.js';

/**
 * DATABASE_READ_URL on a real streaming replica (replicated-postgres.ts: a primary and a hot
 * standby of the test's own). The sidebar's reads go to the replica, refreshes and the
 * refresh log to the primary; replication lag (made by pausing WAL replay on the replica)
 * never shows a version the replica cannot read, costs the replica no storm of reads, and
 * ends with the new version served; a dead replica leaves the reads to the primary.
 */
describe('a read replica (DATABASE_READ_URL)', () => {
  let cluster: Awaited<ReturnType<typeof startReplicatedPostgres>>;
  let primary: pg.Pool;
  let replica: pg.Pool;
  let service: Service;

  const openGames = async () => Number((await primary.query(`select count(*)::int as n from odds_events where status in ('scheduled', 'live')`)).rows[0]?.n);
  const replicaCommits = async () =>
    Number((await replica.query(`select xact_commit from pg_stat_database where datname = current_database()`)).rows[0]?.xact_commit);
  const served = async () => gameCount(await get(service, paths.sidebar));

  beforeAll(async () => {
    cluster = await startReplicatedPostgres();
    const admin = new pg.Client({ connectionString: cluster.primaryUrl() });
    await admin.connect();
    await admin.query('create database sidebar');
    await admin.end();
    const migrate = spawn(process.execPath, ['dist/cli.js', 'migrate'], {
      env: { PATH: process.env.PATH ?? '', DATABASE_URL: cluster.primaryUrl('sidebar'), LOG_LEVEL: 'warn' },
      stdio: 'inherit',
    });
    expect((await once(migrate, 'exit'))[0]).toBe(0);
    primary = new pg.Pool({ connectionString: cluster.primaryUrl('sidebar'), max: 2 });
    replica = new pg.Pool({ connectionString: cluster.replicaUrl('sidebar'), max: 2 });
    primary.on('error', () => {});
    replica.on('error', () => {});
    await seedEvents(primary, 500, 'replica-');
    await primary.query(`select refresh_sidebar_data('manual')`);
    expect(await cluster.streaming()).toBe(true);
    service = await startService({
      DATABASE_URL: cluster.primaryUrl('sidebar'),
      DATABASE_READ_URL: cluster.replicaUrl('sidebar'),
      SCHEDULER_ENABLED: 'false',
      SIDEBAR_CHANGE_POLL_MS: '0',
      SIDEBAR_VERSION_POLL_MS: '250',
      DATABASE_QUERY_TIMEOUT_MS: '2000',
    });
    await waitFor('the first sidebar', async () => (await served()) === (await openGames()));
  }, 120_000);

  afterAll(async () => {
    await cleanupAll();
    await primary?.end();
    await replica?.end();
    await cluster?.stop();
  });

  it('the sidebar is read from the replica; a refresh runs on the primary; while the replica lags, the version it has is served, without a storm of reads', async () => {
    const before = await served();
    await cluster.pauseReplay();
    await seedEvents(primary, 25, 'replica-lag-');
    const refresh = await get(service, paths.refresh, { method: 'POST', headers: asAdmin });
    expect(refresh.status).toBe(200);
    const made = (JSON.parse(refresh.body) as { id: number; status: string }).id;
    expect((await primary.query('select status from sidebar_refresh_log where id = $1', [made])).rows[0]?.status).toBe('success');

    // Two seconds of reads while the replica lags: the old version, from this process's copy.
    const commitsBefore = await replicaCommits();
    const answers: { status: number; games: number | null; cache: unknown }[] = [];
    const until = Date.now() + 2000;
    while (Date.now() < until) {
      const answer = await get(service, paths.sidebar);
      answers.push({ status: answer.status, games: gameCount(answer), cache: answer.headers['x-cache'] });
      await sleep(10);
    }
    await sleep(1200); // the replica's statistics reach pg_stat_database within a second
    const replicaReads = (await replicaCommits()) - commitsBefore;
    process.stdout.write(`replica: ${answers.length} answers during 2 s of lag; ${replicaReads} transactions on the replica\n`);
    expect(new Set(answers.map((a) => `${a.status} ${a.games} ${a.cache}`))).toEqual(new Set([`200 ${before} HIT`]));
    // Version polls (4 a second) and the catch-up checks; not a read per request (~150 here).
    expect(replicaReads).toBeLessThan(60);

    await cluster.resumeReplay();
    const started = performance.now();
    await waitFor('the new version from the replica', async () => (await served()) === (before as number) + 25, 10_000, 20);
    process.stdout.write(`replica: new version served ${Math.round(performance.now() - started)} ms after replay resumed\n`);
    const stats = JSON.parse((await get(service, paths.stats, { headers: asAdmin })).body) as { refreshes: { recent: { id: number }[] } };
    expect(stats.refreshes.recent[0]?.id).toBe(made); // the refresh log, from the primary
  });

  it('with the replica gone, reads go to the primary: answers go on, and new versions are served', async () => {
    await cluster.killReplica();
    const before = await served();
    await seedEvents(primary, 10, 'replica-gone-');
    expect((await get(service, paths.refresh, { method: 'POST', headers: asAdmin })).status).toBe(200);
    await waitFor('the new version from the primary', async () => (await served()) === (before as number) + 10, 10_000);
    for (let i = 0; i < 20; i++) expect((await get(service, paths.sidebar)).status).toBe(200);
    expect(service.lines.some((line) => line.includes('read replica unreachable; sidebar reads go to the primary'))).toBe(true);
  });
});
