import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importFeeds } from '../../src/feeds/importer.js';
import { readInputs } from '../../src/feeds/read.js';
import { createSidebarRepository } from '../../src/sidebar/repository.js';
import { backends, type TestDb } from '../helpers/backends.js';

/*
 * Real third-party dumps live beside the repository (../shared/feeds, or FEEDS_DIR); they are
 * not ours to copy in, so this file runs only where they are (CI has them).
 */
const feedsDir = resolve(process.env.FEEDS_DIR ?? new URL('../../../shared/feeds', import.meta.url).pathname);

interface Expected {
  /** sport_key → title and the ids of its events no scores record completed */
  oddsApi: Map<string, { title: string; group: string | null; ids: Set<string> }>;
  /** league name → ids of open Optic fixtures */
  optic: Map<string, Set<string>>;
  /** Every distinct event id in the dumps, open or not. */
  allIds: Set<string>;
}

/**
 * What the sidebar should show, worked out from the raw JSON without the importer's code:
 * every object with a sport_key is an Odds API event, every object with a start_date an
 * Optic fixture; titles come from the sports lists when they have the key.
 */
async function expectedFromDumps(dir: string): Promise<Expected> {
  const files = (await readdir(dir, { recursive: true })).filter((f) => f.endsWith('.json')).map((f) => join(dir, f));
  const docs = await Promise.all(files.map(async (f) => JSON.parse(await readFile(f, 'utf8')) as unknown));
  const listed = new Map<string, { group: string; title: string }>();
  const events: Array<Record<string, unknown>> = [];
  const fixtures: Array<Record<string, unknown>> = [];
  const completed = new Set<string>();
  const visit = (v: unknown): void => {
    if (Array.isArray(v)) {
      v.forEach(visit);
      return;
    }
    if (!v || typeof v !== 'object') return;
    const o = v as Record<string, unknown>;
    if (typeof o.key === 'string' && typeof o.group === 'string') listed.set(o.key, { group: o.group, title: String(o.title) });
    else if (typeof o.sport_key === 'string') {
      events.push(o);
      if (o.completed === true) completed.add(String(o.id));
    } else if ('start_date' in o) fixtures.push(o);
    else Object.values(o).forEach(visit);
  };
  docs.forEach(visit);

  const oddsApi: Expected['oddsApi'] = new Map();
  for (const e of events) {
    const key = String(e.sport_key);
    const list = listed.get(key);
    const entry = oddsApi.get(key) ?? { title: list?.title ?? String(e.sport_title ?? e.sport_nice), group: list?.group ?? null, ids: new Set() };
    if (!completed.has(String(e.id))) entry.ids.add(String(e.id));
    oddsApi.set(key, entry);
  }
  const optic: Expected['optic'] = new Map();
  for (const f of fixtures) {
    const league = typeof f.league === 'string' ? f.league : String((f.league as { name: string }).name);
    const status = String(f.status ?? 'unplayed').toLowerCase();
    if (status === 'completed' || status === 'cancelled') continue;
    optic.set(league, (optic.get(league) ?? new Set()).add(String(f.id)));
  }
  const allIds = new Set([...events, ...fixtures].map((e) => String(e.id)));
  return { oddsApi, optic, allIds };
}

describe.skipIf(!existsSync(feedsDir)).each(backends)('real feed dumps (../shared/feeds) on $name', (backend) => {
  let testDb: TestDb;
  let expected: Expected;

  beforeAll(async () => {
    testDb = await backend.createDb();
    expected = await expectedFromDumps(feedsDir);
  });
  afterAll(() => testDb?.drop());

  it('every file imports without a whole-file error or a rejected record', async () => {
    const summary = await importFeeds(testDb.db, await readInputs([feedsDir], async () => ''), { shiftToFuture: true });
    expect(summary.file_errors).toEqual([]);
    expect(summary.rejections).toEqual([]);
    expect(summary.files).toBeGreaterThanOrEqual(37);
    expect(summary.inserted).toBe(expected.allIds.size);
    expect(expected.allIds.size).toBe(1779); // as SOURCES.md counts them
  });

  it('moved into the future, the sidebar counts exactly the events no scores record completed, per league', async () => {
    const repo = createSidebarRepository(testDb.db);
    expect((await repo.refresh('import', 30)).status).toBe('success');
    const { rows } = await repo.readView();

    const oddsApiRows = rows.filter((r) => expected.oddsApi.has(r.league_id));
    const got = Object.fromEntries(oddsApiRows.map((r) => [r.league_id, `${r.league}: ${r.game_count}`]));
    const want = Object.fromEntries([...expected.oddsApi].filter(([, e]) => e.ids.size > 0).map(([key, e]) => [key, `${e.title}: ${e.ids.size}`]));
    expect(got).toEqual(want);
    for (const r of oddsApiRows) {
      const group = expected.oddsApi.get(r.league_id)?.group;
      if (group) expect(`${r.league_id}: ${r.sport}`).toBe(`${r.league_id}: ${group}`);
    }

    const opticRows = rows.filter((r) => expected.optic.has(r.league));
    expect(Object.fromEntries(opticRows.map((r) => [r.league, r.game_count]))).toEqual(
      Object.fromEntries([...expected.optic].map(([l, ids]) => [l, ids.size])),
    );
    // Nothing else: every sidebar row is accounted for.
    expect(oddsApiRows.length + opticRows.length).toBe(rows.length);
  });
});
