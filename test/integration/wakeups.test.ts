import type { FastifyInstance } from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { paths, type Sidebar } from '../../src/contract/index.js';
import { createPostgresDb } from '../../src/db/postgres.js';
import { createWakeups, type Wakeups } from '../../src/db/wakeups.js';
import { insertEventBySql, loadFixtures } from '../fixtures/events.js';
import { buildTestApp } from '../helpers/app.js';
import { backends, type TestCache, type TestDb, testDatabaseSessionUrl } from '../helpers/backends.js';
import { capturingLogger } from '../helpers/logger.js';

const until = async (what: string, check: () => boolean | Promise<boolean>, timeoutMs = 5000) => {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
};

/**
 * Wake-ups: the definitions NOTIFY when a write leaves the first change records to wait and when
 * a refresh makes a version; one session per process LISTENs, and the change loop and the version watcher act
 * on them instead of waiting for their polls.
 */
describe.each(backends)('wake-ups on $name', (backend) => {
  let testDb: TestDb;
  let testCache: TestCache;
  let ids = 0;
  const started: Wakeups[] = [];

  beforeAll(async () => {
    testDb = await backend.createDb();
    testCache = await backend.createCache();
    await loadFixtures(testDb.db);
    await testDb.db.query(`select refresh_sidebar_data('startup')`);
  });
  afterEach(async () => {
    await Promise.all(started.splice(0).map((w) => w.stop()));
  });
  afterAll(async () => {
    await testCache?.cleanup();
    await testDb?.drop();
  });

  function listening(db = testDb.db, options: { probeTimeoutMs?: number } = {}) {
    const { log, lines } = capturingLogger('info');
    const wakeups = createWakeups({ db, log, ...options });
    const heard = { changes: 0, version: 0 };
    wakeups.on('changes', () => heard.changes++);
    wakeups.on('version', () => heard.version++);
    started.push(wakeups);
    wakeups.start();
    return { wakeups, heard, lines };
  }

  it('is live once its probe came back, and says so once', async () => {
    const { wakeups, lines } = listening();
    await until('live', () => wakeups.live());
    expect(lines.filter((l) => String(l.msg).includes('notifications arrive'))).toHaveLength(1);
  });

  it('the first write to leave change records wakes "changes", once per transaction; writes while records wait, and one that changes nothing, do not', async () => {
    const { wakeups, heard } = listening();
    await until('live', () => wakeups.live());
    // Arrives after anything sent before it: what was not heard by then was not sent.
    const settled = async () => {
      await testDb.db.query(`select pg_notify('sidebar_probe', '')`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    };
    await insertEventBySql(testDb.db, `wake-${++ids}`, { league: 'wake-a' });
    await until('a changes notification', () => heard.changes === 1);
    // Records wait (no refresh took them): the change loop was told already.
    await insertEventBySql(testDb.db, `wake-${++ids}`, { league: 'wake-b' });
    await settled();
    expect(heard.changes).toBe(1);
    await testDb.db.query(`select refresh_sidebar_data('manual', 30, null, true)`);
    await until('a version notification', () => heard.version === 1);
    // Nothing waits: the next transaction's first statement notifies, once for the transaction.
    await testDb.db.withSession(async (session) => {
      await session.query('begin');
      await insertEventBySql(session, `wake-${++ids}`, { league: 'wake-a' });
      await insertEventBySql(session, `wake-${++ids}`, { league: 'wake-b' });
      await session.query('commit');
    });
    await until('a second changes notification', () => heard.changes === 2);
    await testDb.db.query(`select refresh_sidebar_data('manual', 30, null, true)`);
    await until('a second version notification', () => heard.version === 2);
    // A finished event is not counted: no change record, no notification.
    await insertEventBySql(testDb.db, `wake-${++ids}`, { league: 'wake-a', status: 'completed' });
    await settled();
    expect(heard.changes).toBe(2);
    expect(await testDb.db.query(`select count(*)::integer as n from sidebar_changes`)).toMatchObject({ rows: [{ n: 0 }] });
  });

  it('a configuration change wakes "changes"; a successful refresh wakes "version", a skipped one does not', async () => {
    const { wakeups, heard } = listening();
    await until('live', () => wakeups.live());
    await testDb.db.query(`insert into sidebar_names (kind, id, lang, name) values ('sport', 'soccer', 'fr', 'Football')`);
    await until('a changes notification', () => heard.changes === 1);
    await testDb.db.query(`select refresh_sidebar_data('manual')`);
    await until('a version notification', () => heard.version === 1);
    await testDb.db.query(`select refresh_sidebar_data('manual', 30, 3600)`); // within the minimum interval: skipped
    await testDb.db.query(`select pg_notify('sidebar_probe', '')`);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(heard.version).toBe(1);
  });

  it('stop() closes its session: nothing is heard after', async () => {
    const { wakeups, heard } = listening();
    await until('live', () => wakeups.live());
    await wakeups.stop();
    expect(wakeups.live()).toBe(false);
    await insertEventBySql(testDb.db, `wake-${++ids}`, { league: 'wake-a' });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(heard.changes).toBe(0);
  });

  // npm run test:pgbouncer: TEST_DATABASE_URL is PgBouncer in transaction mode.
  it.runIf(backend.dbKind === 'postgres' && testDatabaseSessionUrl)(
    'LISTENing through a transaction pooler, it finds that notifications do not arrive, says so once with what to do, and is not live',
    async () => {
      const pooled = createPostgresDb({ connectionString: testDb.url as string, max: 2, onIdleError: () => {} });
      try {
        const { wakeups, lines } = listening(pooled, { probeTimeoutMs: 300 });
        await until('the warning', () => lines.some((l) => String(l.msg).includes('do not arrive')));
        expect(wakeups.live()).toBe(false);
        const warned = lines.filter((l) => String(l.msg).includes('do not arrive'));
        expect(warned).toHaveLength(1);
        expect(String(warned[0]?.reason)).toContain('DATABASE_LISTEN_URL');
        await wakeups.stop();
      } finally {
        await pooled.close();
      }
    },
  );

  describe('in the app, with polls an hour apart', () => {
    let app: FastifyInstance;
    afterEach(() => app?.close());

    it('a write reaches the served sidebar at once: the change loop and the version watcher woke', async () => {
      app = await buildTestApp(
        { db: testDb.db, cache: testCache.cache, prefix: testCache.prefix },
        { changePollMs: 60_000, versionPollMs: 60_000, changeMinGapMs: 100 },
      );
      await until('live', () => app.dbWakeups.live());
      const count = async () => {
        const body = (await app.inject({ method: 'GET', url: paths.sidebar })).json<Sidebar>();
        return body.sports.find((s) => s.sport_id === 'darts')?.leagues.find((l) => l.league_id === 'wake-c')?.game_count ?? 0;
      };
      expect(await count()).toBe(0);
      await insertEventBySql(testDb.db, `wake-${++ids}`, { league: 'wake-c' });
      await until('the write served', async () => (await count()) === 1);
      expect(app.changeLoop.state()).toMatchObject({ woken: true, poll_ms: 60_000 });
    });

    it('with SIDEBAR_WAKEUPS off, it does not listen', async () => {
      app = await buildTestApp({ db: testDb.db, cache: testCache.cache, prefix: testCache.prefix }, { wakeups: false });
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(app.dbWakeups.live()).toBe(false);
    });
  });
});
