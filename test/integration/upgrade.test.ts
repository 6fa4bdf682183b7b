import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDefinitions } from '../../src/db/definitions.js';
import { migrate } from '../../src/db/migrate.js';
import type { Db, Queryable } from '../../src/db/types.js';
import { expectedSidebar, loadFixtures } from '../fixtures/events.js';
import { backends, latestMigration, type TestDb } from '../helpers/backends.js';

/*
 * Upgrades: a database of an earlier landed schema, holding events, configuration and refreshes,
 * migrated to the latest. Two earlier states: migration 007 (the seed's schema with retention,
 * before versions, change records and kept counts) and 016 (the last schema written wholly in
 * numbered migrations, before the definitions). Each upgraded database must serve the same
 * sidebar, keep its refresh log and configuration, count the first refresh after correctly, and
 * end in the same catalogue as a fresh install.
 */

/** Every object of the schema public as text, ordered: what a fresh install and an upgrade must agree on. */
const catalogue = `
  select kind, name, detail from (
    select 'relation' as kind, c.relname as name,
           format('%s rls=%s options=%s acl=%s', c.relkind, c.relrowsecurity, c.reloptions, c.relacl) as detail
    from pg_class c where c.relnamespace = 'public'::regnamespace and c.relkind in ('r', 'v', 'm', 'S', 'i')
    union all
    select 'column', format('%s.%s', c.relname, a.attname),
           format('%s %s not_null=%s default=%s', a.attnum, format_type(a.atttypid, a.atttypmod), a.attnotnull, pg_get_expr(d.adbin, d.adrelid))
    from pg_attribute a
    join pg_class c on c.oid = a.attrelid and c.relnamespace = 'public'::regnamespace and c.relkind in ('r', 'v', 'm')
    left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
    where a.attnum > 0 and not a.attisdropped
    union all
    select 'constraint', format('%s.%s', c.conrelid::regclass, c.conname), pg_get_constraintdef(c.oid)
    from pg_constraint c where c.connamespace = 'public'::regnamespace
    union all
    select 'index', i.indexname, i.indexdef from pg_indexes i where i.schemaname = 'public'
    union all
    select 'view', c.relname, pg_get_viewdef(c.oid)
    from pg_class c where c.relnamespace = 'public'::regnamespace and c.relkind in ('v', 'm')
    union all
    select 'function', p.oid::regprocedure::text, format('%s acl=%s', pg_get_functiondef(p.oid), p.proacl)
    from pg_proc p where p.pronamespace = 'public'::regnamespace
    union all
    select 'trigger', format('%s.%s', t.tgrelid::regclass, t.tgname), pg_get_triggerdef(t.oid)
    from pg_trigger t join pg_class c on c.oid = t.tgrelid and c.relnamespace = 'public'::regnamespace
    where not t.tgisinternal
    union all
    select 'policy', format('%s.%s', p.tablename, p.policyname), format('%s %s %s', p.roles, p.cmd, p.qual)
    from pg_policies p where p.schemaname = 'public'
    union all
    select 'comment', format('%s %s', d.classoid::regclass, d.objoid), d.description
    from pg_description d
    where d.classoid in ('pg_class'::regclass, 'pg_proc'::regclass)
      and (d.classoid <> 'pg_proc'::regclass or d.objoid in (select oid from pg_proc where pronamespace = 'public'::regnamespace))
      and (d.classoid <> 'pg_class'::regclass or d.objoid in (select oid from pg_class where relnamespace = 'public'::regnamespace))
  ) as objects
  order by kind, name, detail`;

interface CatalogueRow {
  kind: string;
  name: string;
  detail: string | null;
}

/** The catalogue, with oids in comments' keys replaced by what they name (oids differ between databases). */
async function catalogueOf(db: Queryable): Promise<CatalogueRow[]> {
  const { rows } = await db.query<CatalogueRow>(catalogue);
  const { rows: names } = await db.query<{ oid: string; name: string }>(
    `select oid::text, relname::text as name from pg_class where relnamespace = 'public'::regnamespace
     union all select oid::text, oid::regprocedure::text from pg_proc where pronamespace = 'public'::regnamespace`,
  );
  const byOid = new Map(names.map((n) => [n.oid, n.name]));
  return rows
    .map((row) => (row.kind === 'comment' ? { ...row, name: row.name.replace(/\d+$/, (oid) => byOid.get(oid) ?? oid) } : row))
    .sort((a, b) => `${a.kind} ${a.name} ${a.detail}`.localeCompare(`${b.kind} ${b.name} ${b.detail}`));
}

/** Counts of the counted events per league, written out here from the rule, independently of the views. */
async function independentCounts(db: Queryable): Promise<Array<[string, string, number, number]>> {
  const { rows } = await db.query<{ sport_id: string; league_id: string; games: number; live: number }>(
    `select sport_id, league_id, count(*)::int as games, (count(*) filter (where status = 'live'))::int as live
     from odds_events
     where status = 'live' or (status = 'scheduled' and commence_time >= now() - interval '12 hours')
     group by sport_id, league_id order by sport_id, league_id`,
  );
  return rows.map((r) => [r.sport_id, r.league_id, r.games, r.live]);
}

async function viewCounts(db: Queryable): Promise<Array<[string, string, number, number]>> {
  const { rows } = await db.query<{ sport_id: string; league_id: string; game_count: number; live_game_count: number }>(
    'select sport_id, league_id, game_count, live_game_count from sidebar_data order by sport_id, league_id',
  );
  return rows.map((r) => [r.sport_id, r.league_id, r.game_count, r.live_game_count]);
}

/** Sports in the view's order, with their leagues' counts: the shape of expectedSidebar. */
async function viewSidebar(db: Queryable) {
  const { rows } = await db.query<{
    sport_id: string;
    sport_game_count: number;
    sport_live_game_count: number;
    league_id: string;
    game_count: number;
    live_game_count: number;
  }>('select * from sidebar_data order by sport_rank, league_rank');
  const sports: Array<[string, number, number, Array<[string, number, number]>]> = [];
  for (const r of rows) {
    let sport = sports.at(-1);
    if (sport?.[0] !== r.sport_id) {
      sport = [r.sport_id, r.sport_game_count, r.sport_live_game_count, []];
      sports.push(sport);
    }
    sport[3].push([r.league_id, r.game_count, r.live_game_count]);
  }
  return sports;
}

const newestSuccess = async (db: Queryable) =>
  (await db.query<{ id: number | null }>(`select max(id) as id from sidebar_refresh_log where status = 'success'`)).rows[0]?.id ?? null;

describe.each(backends)('upgrades on $name', (backend) => {
  let fresh: TestDb;
  let freshCatalogue: CatalogueRow[];

  beforeAll(async () => {
    fresh = await backend.createDb();
    freshCatalogue = await catalogueOf(fresh.db);
    // Every kind of object is there to compare.
    expect(new Set(freshCatalogue.map((row) => row.kind))).toEqual(
      new Set(['relation', 'column', 'constraint', 'index', 'view', 'function', 'trigger', 'policy', 'comment']),
    );
  });
  afterAll(() => fresh?.drop());

  it('the definitions are the whole current schema: every view, function and trigger of a fresh install is defined by a file of its name, and every file defines one', async () => {
    const names = (await loadDefinitions()).map((d) => d.name);
    const { rows } = await fresh.db.query<{ kind: string; name: string; defined_by: string }>(
      `select 'relation' as kind, relname::text as name, relname::text as defined_by from pg_class
       where relnamespace = 'public'::regnamespace and relkind in ('v', 'm')
       union all
       select 'function', oid::regprocedure::text, proname::text from pg_proc where pronamespace = 'public'::regnamespace
       union all
       select 'trigger', format('%s.%s', t.tgrelid::regclass, t.tgname), p.proname::text
       from pg_trigger t join pg_proc p on p.oid = t.tgfoid
       where not t.tgisinternal and t.tgrelid in (select oid from pg_class where relnamespace = 'public'::regnamespace)`,
    );
    expect(rows.filter((r) => !names.includes(r.defined_by))).toEqual([]);
    const defined = new Set(rows.map((r) => r.defined_by));
    expect(names.filter((name) => !defined.has(name))).toEqual([]);
    expect((await fresh.db.query<{ name: string }>('select name from sidebar_definitions order by position')).rows.map((r) => r.name)).toEqual(names);
  });

  describe.each([
    { from: 7, state: 'the seed with retention (007)' },
    { from: 16, state: 'the last schema of numbered migrations only (016)' },
  ])('from $state', ({ from }) => {
    let testDb: TestDb;
    let db: Db;
    let before: { version: number | null; log: number; config: unknown[] };

    beforeAll(async () => {
      testDb = await backend.createDb({ migrate: false });
      db = testDb.db;
      await migrate(db, { target: from });
      await loadFixtures(db);
      // An operator's configuration: curling first, ahead of every configured sport.
      await db.query(`insert into sidebar_sport_config (sport_id, priority, icon) values ('curling', 1, '🥌')`);
      await db.query(`select refresh_sidebar_data('startup')`);
      await db.query(`select refresh_sidebar_data('manual')`);
      before = {
        version: await newestSuccess(db),
        log: (await db.query<{ n: number }>('select count(*)::int as n from sidebar_refresh_log')).rows[0]?.n ?? 0,
        config: (await db.query('select sport_id, priority, icon from sidebar_sport_config order by sport_id')).rows,
      };
      const result = await migrate(db);
      expect(result.version).toBe(latestMigration);
      expect(result.applied).toHaveLength(latestMigration - from);
      expect(result.definitions).toEqual((await loadDefinitions()).map((d) => d.name));
    });
    afterAll(() => testDb?.drop());

    it('the sidebar survives, refreshed by the upgrade under a newer version, with the operator configuration applied', async () => {
      const curlingFirst = [expectedSidebar.find((s) => s[0] === 'curling'), ...expectedSidebar.filter((s) => s[0] !== 'curling')];
      expect(await viewSidebar(db)).toEqual(curlingFirst);
      expect(before.version).not.toBeNull();
      const version = (await db.query<{ version: number }>('select version from sidebar_data_version()')).rows[0]?.version;
      expect(version).toBeGreaterThan(before.version as number);
    });

    it('the refresh log and the configuration survive', async () => {
      const { rows } = await db.query<{ id: number; trigger: string }>(`select id, trigger from sidebar_refresh_log where id <= $1 order by id`, [
        before.version,
      ]);
      expect(rows.length).toBe(before.log);
      expect(rows.slice(-2).map((r) => r.trigger)).toEqual(['startup', 'manual']);
      expect((await db.query('select sport_id, priority, icon from sidebar_sport_config order by sport_id')).rows).toEqual(before.config);
    });

    it('the first change-driven refresh after the upgrade counts what changed, as an independent count does', async () => {
      await db.query(
        `insert into odds_events (id, sport_id, sport, league_id, league, commence_time, status) values
           ('up-1', 'darts', 'Darts', 'pdc', 'PDC', now() + interval '1 hour', 'scheduled'),
           ('up-2', 'darts', 'Darts', 'pdc', 'PDC', now() - interval '10 minutes', 'live')`,
      );
      await db.query(`update odds_events set status = 'completed' where league_id = 'euroleague'`);
      const { rows } = await db.query<{ status: string; trigger: string }>('select status, trigger from refresh_sidebar_data_if_changed(0)');
      expect(rows).toEqual([{ status: 'success', trigger: 'change' }]);
      expect(await viewCounts(db)).toEqual(await independentCounts(db));
      expect(await viewCounts(db)).toContainEqual(['darts', 'pdc', 2, 1]);
    });

    it('ends in the same catalogue as a fresh install', async () => {
      expect(await catalogueOf(db)).toEqual(freshCatalogue);
    });
  });
});
