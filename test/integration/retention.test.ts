import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventStatus } from '../../src/events/types.js';
import { runRetention } from '../../src/scheduler/retention.js';
import { insertEvents } from '../fixtures/events.js';
import { backends, type TestDb } from '../helpers/backends.js';

const day = 24 * 3600_000;

describe.each(backends)('retention on $name', (backend) => {
  let testDb: TestDb;
  const insert = (id: string, daysAgo: number, status: string) =>
    insertEvents(testDb.db, [{ id, sport: 'soccer', league: 'epl', startsAt: new Date(Date.now() - daysAgo * day), status: status as EventStatus }]);
  const ids = async (table: string) => (await testDb.db.query<{ id: string }>(`select id from ${table} order by id`)).rows.map((r) => r.id);

  beforeAll(async () => {
    testDb = await backend.createDb();
  });
  afterAll(() => testDb?.drop());

  it('moves events finished before the window to the archive, in batches, and keeps everything else', async () => {
    for (let i = 0; i < 5; i++) await insert(`old-completed-${i}`, 40 + i, 'completed');
    await insert('old-cancelled', 60, 'cancelled');
    await insert('old-stale-scheduled', 45, 'scheduled');
    await insert('old-live', 50, 'live'); // a live event is never touched, however old
    await insert('recent-completed', 5, 'completed');
    await insert('upcoming', -2, 'scheduled');

    const run = await runRetention(testDb.db, { days: 30, batchSize: 3, archive: true, maxBatches: 10, pauseMs: 0 });
    expect(run).toMatchObject({ moved: 7, batches: 3, more: false });
    expect(await ids('odds_events')).toEqual(['old-live', 'recent-completed', 'upcoming']);
    expect(await ids('odds_events_archive')).toHaveLength(7);
    const { rows } = await testDb.db.query(`select status, archived_at is not null as stamped from odds_events_archive where id = 'old-cancelled'`);
    expect(rows[0]).toEqual({ status: 'cancelled', stamped: true });
  });

  it('stops at maxBatches and says more remain; deletes without archiving when asked', async () => {
    for (let i = 0; i < 5; i++) await insert(`gone-${i}`, 100, 'completed');
    const first = await runRetention(testDb.db, { days: 30, batchSize: 2, archive: false, maxBatches: 1, pauseMs: 0 });
    expect(first).toMatchObject({ moved: 2, batches: 1, more: true });
    const rest = await runRetention(testDb.db, { days: 30, batchSize: 2, archive: false, maxBatches: 10, pauseMs: 0 });
    expect(rest).toMatchObject({ moved: 3, more: false });
    expect((await ids('odds_events_archive')).filter((id) => id.startsWith('gone-'))).toEqual([]);
  });

  it('refuses a window shorter than a day', async () => {
    await expect(testDb.db.query('select purge_finished_events(0)')).rejects.toThrow(/at least 1/);
  });
});
