import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Config } from '../../src/config/index.js';
import { paths, type Sidebar } from '../../src/contract/index.js';
import { buildSidebar, type SidebarBasis } from '../../src/sidebar/hierarchy.js';
import { sidebarCacheKeys } from '../../src/sidebar/service.js';
import { insertEventBySql } from '../fixtures/events.js';
import { asAdmin, buildTestApp } from '../helpers/app.js';
import { backends, useFixtureBackend } from '../helpers/backends.js';
import { untilSubscribed } from '../helpers/pubsub.js';

/** A promise the test settles by hand. */
function gate() {
  let open = () => {};
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { opened, open };
}

describe.each(backends)('one version per refresh, in every layer, on $name', (backend) => {
  const fixture = useFixtureBackend(backend);
  const apps: FastifyInstance[] = [];
  let prefixes = 0;

  /**
   * An instance of the service on the shared database and cache (its own key prefix per test
   * unless given). Without the database's notifications: these tests follow versions through
   * announcements and polls (wakeups.test.ts has the notifications).
   */
  async function instance(prefix: string, overrides: Partial<Config> = {}): Promise<FastifyInstance> {
    const app = await buildTestApp({ db: fixture.db.db, cache: fixture.cache.cache, prefix }, { wakeups: false, ...overrides });
    apps.push(app);
    return app;
  }
  const freshPrefix = () => `${fixture.cache.prefix}:v${++prefixes}`;
  const read = async (app: FastifyInstance) => (await app.inject({ method: 'GET', url: paths.sidebar })).json<Sidebar>();
  const addEvent = (id: string) => insertEventBySql(fixture.db.db, id);
  const currentVersion = async () => (await fixture.db.db.query<{ version: number }>('select version from sidebar_data_version()')).rows[0]?.version ?? 0;

  afterEach(async () => {
    vi.restoreAllMocks();
    await Promise.all(apps.splice(0).map((app) => app.close()));
  });

  it('a database read that finishes after a refresh never puts the old sidebar back, in this process or in the shared cache', async () => {
    const prefix = freshPrefix();
    const app = await instance(prefix);
    const before = await read(app);
    const oldVersion = await currentVersion();
    await addEvent(`race-${prefix}`);

    // The next view read runs now, against the data as it is, but answers only when the gate opens.
    const release = gate();
    let readFinished = false;
    const realReadView = app.sidebarRepository.readView;
    vi.spyOn(app.sidebarRepository, 'readView').mockImplementationOnce(async () => {
      const rows = await realReadView();
      readFinished = true;
      await release.opened;
      return rows;
    });
    await app.sidebarService.invalidate(); // the copy and the shared entry are gone: the next read is a miss
    const slowRequest = app.inject({ method: 'GET', url: paths.sidebar });
    await vi.waitFor(() => expect(readFinished).toBe(true));

    // While that read is held: a refresh, with the new event, and its cache invalidation.
    const refreshed = await app.inject({ method: 'POST', url: paths.refresh, headers: asAdmin });
    expect(refreshed.json()).toMatchObject({ status: 'success' });
    const newVersion = refreshed.json<{ id: number }>().id;
    expect(newVersion).toBeGreaterThan(oldVersion);
    release.open();

    const gameCount = before.totals.game_count + 1;
    // The held request gets the new sidebar (its stale result was read again), and so does every later one.
    expect((await slowRequest).json<Sidebar>().totals.game_count).toBe(gameCount);
    for (let i = 0; i < 3; i++) expect((await read(app)).totals.game_count).toBe(gameCount);
    // The shared cache holds the new version only: the old read wrote nothing.
    const keys = sidebarCacheKeys(prefix);
    expect(await fixture.cache.cache.get(keys.version(oldVersion))).toBeNull();
    const basis = JSON.parse((await fixture.cache.cache.get(keys.version(newVersion))) ?? 'null') as SidebarBasis;
    expect(buildSidebar(basis).totals.game_count).toBe(gameCount);
    // A second instance starting now, on the same shared cache, is answered the new version from it.
    const other = await instance(prefix);
    const fromOther = await other.inject({ method: 'GET', url: paths.sidebar });
    expect(fromOther.headers['server-timing']).toMatch(/desc="cache"/);
    expect(fromOther.json<Sidebar>().totals.game_count).toBe(gameCount);
  });

  it('a refresh made outside the service (SQL, as psql or pg_cron would) reaches every instance within the poll bound', async () => {
    const prefix = freshPrefix();
    const pollMs = 100;
    const [a, b] = [await instance(prefix, { versionPollMs: pollMs }), await instance(prefix, { versionPollMs: pollMs })];
    const before = (await read(a as FastifyInstance)).totals.game_count;
    expect((await read(b as FastifyInstance)).totals.game_count).toBe(before);
    await addEvent(`external-${prefix}`);
    // Still the cached version: nothing was refreshed yet.
    expect((await read(a as FastifyInstance)).totals.game_count).toBe(before);

    await fixture.db.db.query(`select refresh_sidebar_data('manual')`);
    const started = Date.now();
    await vi.waitFor(
      async () => {
        for (const app of [a, b] as FastifyInstance[]) expect((await read(app)).totals.game_count).toBe(before + 1);
      },
      { timeout: 5000, interval: 20 },
    );
    // The documented bound is one poll interval plus one read; allow generously for a loaded CI machine.
    expect(Date.now() - started).toBeLessThan(pollMs * 10);
  });

  it('a refresh made by one instance is announced to the others, which switch without polling', async () => {
    const prefix = freshPrefix();
    const [a, b] = [await instance(prefix, { versionPollMs: 0 }), await instance(prefix, { versionPollMs: 0 })];
    await untilSubscribed(fixture.cache.cache, sidebarCacheKeys(prefix).versions);
    const before = (await read(b)).totals.game_count;
    await addEvent(`announced-${prefix}`);
    const refreshed = await a.inject({ method: 'POST', url: paths.refresh, headers: asAdmin });
    expect(refreshed.json()).toMatchObject({ status: 'success' });
    const started = Date.now();
    // No poll: only the announcement can tell b. (The documented figure is milliseconds; this bound is for CI.)
    await vi.waitFor(() => expect(b.sidebarVersions.current()).toBe(refreshed.json().id), { timeout: 2000, interval: 5 });
    expect(Date.now() - started).toBeLessThan(1000);
    expect((await read(b)).totals.game_count).toBe(before + 1);
    const stats = await b.inject({ method: 'GET', url: paths.stats, headers: asAdmin });
    expect(stats.json().cache.subscribed).toBe(true);
  });

  it('an announcement that is not a version number is ignored', async () => {
    const prefix = freshPrefix();
    const app = await instance(prefix, { versionPollMs: 0 });
    const known = app.sidebarVersions.current();
    for (const message of ['', 'banana', '1e999', '-1', '12.5']) await fixture.cache.cache.publish(sidebarCacheKeys(prefix).versions, message);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(app.sidebarVersions.current()).toBe(known);
  });

  it('a refresh shows everywhere even when the shared cache fails during it (nothing depends on deleting a key)', async () => {
    const prefix = freshPrefix();
    const [a, b] = [await instance(prefix, { versionPollMs: 100 }), await instance(prefix, { versionPollMs: 100 })];
    const before = (await read(a)).totals.game_count;
    expect((await read(b)).totals.game_count).toBe(before);
    await addEvent(`blip-${prefix}`);
    // A Redis blip across the refresh: every cache call fails.
    const blip = Object.assign(new Error('Connection is closed.'), { code: 'ECONNRESET' });
    const failing = [
      vi.spyOn(fixture.cache.cache, 'get').mockRejectedValue(blip),
      vi.spyOn(fixture.cache.cache, 'set').mockRejectedValue(blip),
      vi.spyOn(fixture.cache.cache, 'del').mockRejectedValue(blip),
    ];
    expect((await a.inject({ method: 'POST', url: paths.refresh, headers: asAdmin })).json()).toMatchObject({ status: 'success' });
    for (const spy of failing) spy.mockRestore();
    // The instance that refreshed serves the new version at once; the other within its poll.
    expect((await read(a)).totals.game_count).toBe(before + 1);
    await vi.waitFor(async () => expect((await read(b)).totals.game_count).toBe(before + 1), { timeout: 5000, interval: 20 });
  });

  it('a fallback copy re-read with the same body keeps its bytes: nothing is compressed again', async () => {
    const app = await instance(freshPrefix());
    await fixture.db.db.query('refresh materialized view sidebar_data with no data');
    try {
      await app.sidebarService.invalidate();
      expect((await read(app)).source).toBe('fallback');
      const first = app.sidebarService.peekFresh();
      expect(first?.version).toBeNull();
      // Past the fallback re-check time the copy is served once more while it reloads (from the shared fallback entry).
      vi.useFakeTimers({ toFake: ['Date'] });
      vi.setSystemTime(Date.now() + 1500);
      expect(app.sidebarService.peekFresh()).toBeNull();
      await read(app);
      await vi.waitFor(() => expect(app.sidebarService.peekFresh()).not.toBeNull());
      expect(app.sidebarService.peekFresh()?.snapshot).toBe(first?.snapshot);
    } finally {
      vi.useRealTimers();
      await fixture.db.db.query(`select refresh_sidebar_data('manual')`);
    }
  });

  it('reading the view and its version is one snapshot: the version read with the rows is the refresh that made them', async () => {
    await addEvent(`snapshot-${prefixes}`);
    const log = await fixture.db.db.query<{ id: number; row_count: number }>(`select * from refresh_sidebar_data('manual')`);
    const { version, rows } = await (await instance(freshPrefix())).sidebarRepository.readView();
    expect(version?.version).toBe(log.rows[0]?.id);
    expect(rows.length).toBe(log.rows[0]?.row_count);
  });
});
