import type { FastifyInstance } from 'fastify';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { createInProcessCache } from '../../src/cache/in-process.js';
import { paths } from '../../src/contract/paths.js';
import { migrate } from '../../src/db/migrate.js';
import { createPostgresDb } from '../../src/db/postgres.js';
import type { Db } from '../../src/db/types.js';
import { startDatabase } from '../../src/process.js';
import { loadFixtures } from '../fixtures/events.js';
import { oddsApiRecord } from '../fixtures/feed-records.js';
import { asAdmin, listening, testConfig } from '../helpers/app.js';
import { latestMigration } from '../helpers/backends.js';
import { silentLogger } from '../helpers/logger.js';
import { postgresProgramsInstalled, startOwnPostgres } from '../helpers/own-postgres.js';
import { openSse } from '../helpers/sse.js';

/*
 * The service on a database set up the way Supabase sets up every project: the Data API's
 * roles (anon: the public key in every browser bundle; authenticated: a signed-in user;
 * service_role: the secret key), the default privileges that hand them everything created in
 * public, the schemas the Data API exposes (PostgREST's pgrst.db_schemas on its authenticator
 * role), and an owner that is not a superuser (Supabase's postgres role). Roles belong to the
 * whole server, so this runs on a PostgreSQL server of the test's own, never the machine's.
 * Attacks act as the Data API does: the authenticator logs in and switches to the key's role.
 */

const realPostgres = Boolean(process.env.TEST_DATABASE_URL);

const supabaseRoles = `
  create role anon nologin noinherit;
  create role authenticated nologin noinherit;
  create role service_role nologin noinherit bypassrls;
  create role authenticator login noinherit;
  grant anon, authenticated, service_role to authenticator;
  alter role authenticator set pgrst.db_schemas = 'public, graphql_public';
  -- The project's owner, as Supabase's postgres role: may create roles, is no superuser.
  create role platform_owner login createrole nosuperuser;
`;

// Run by the owner in each new database, as Supabase's set-up runs it for the postgres role.
const supabaseDefaults = `
  grant usage on schema public to anon, authenticated, service_role;
  alter default privileges in schema public grant all on tables to anon, authenticated, service_role;
  alter default privileges in schema public grant all on functions to anon, authenticated, service_role;
  alter default privileges in schema public grant all on sequences to anon, authenticated, service_role;
`;

/*
 * What Supabase's Security Advisor and the Data API would find, for every object in an exposed
 * schema: any privilege of anon, authenticated or PUBLIC (a null ACL means the defaults, which
 * give PUBLIC EXECUTE on functions), tables without row level security, views that run with
 * their owner's rights, functions whose search_path is not pinned. A function whose body is
 * bound when it is created (begin atomic: every name resolved then, so no search_path can
 * redirect it) needs no pin; Supabase's advisor, which looks at the setting alone, would list it.
 */
const catalogueCheck = `
  with exposed as (
    select n.oid, n.nspname
    from pg_db_role_setting s
    join pg_roles r on r.oid = s.setrole and r.rolname = 'authenticator'
    cross join lateral unnest(s.setconfig) as c(setting)
    cross join lateral unnest(string_to_array(substr(c.setting, length('pgrst.db_schemas=') + 1), ',')) as e(name)
    join pg_namespace n on n.nspname = trim(e.name)
    where c.setting like 'pgrst.db_schemas=%'
  ),
  api_roles as (
    select 0::oid as oid, 'PUBLIC' as name
    union all
    select oid, rolname from pg_roles where rolname in ('anon', 'authenticated')
  ),
  relations as (
    select c.oid, format('%s %I.%I', case c.relkind when 'r' then 'table' when 'p' then 'table' when 'v' then 'view'
             when 'm' then 'materialized view' when 'S' then 'sequence' else 'relation' end, x.nspname, c.relname) as name,
           c.relkind, c.relrowsecurity, c.reloptions,
           coalesce(c.relacl, acldefault((case c.relkind when 'S' then 's' else 'r' end)::"char", c.relowner)) as acl
    from pg_class c join exposed x on x.oid = c.relnamespace
    where c.relkind in ('r', 'p', 'v', 'm', 'S', 'f')
  ),
  functions as (
    select p.oid, format('function %s', p.oid::regprocedure) as name, p.proconfig, p.prosqlbody is not null as bound,
           coalesce(p.proacl, acldefault('f'::"char", p.proowner)) as acl
    from pg_proc p join exposed x on x.oid = p.pronamespace
  )
  select format('%s: %s for %s', o.name, a.privilege_type, r.name) as finding
  from (select name, acl from relations union all select name, acl from functions) o
  cross join lateral aclexplode(o.acl) a
  join api_roles r on r.oid = a.grantee
  union all
  select format('%s: row level security off', name) from relations where relkind in ('r', 'p') and not relrowsecurity
  union all
  select format('%s: runs with its owner''s rights (no security_invoker)', name) from relations
  where relkind = 'v' and not exists (select 1 from unnest(reloptions) o where o ~* '^security_invoker=(true|on|yes|1)$')
  union all
  select format('%s: search_path not pinned', name) from functions
  where not bound and not exists (select 1 from unnest(proconfig) c where c like 'search_path=%')
  order by 1`;

/** The exposed schemas the check reads: it must see public, or it would find nothing anywhere. */
const exposedSchemas = `
  select trim(e.name) as name
  from pg_db_role_setting s join pg_roles r on r.oid = s.setrole and r.rolname = 'authenticator'
  cross join lateral unnest(s.setconfig) as c(setting)
  cross join lateral unnest(string_to_array(substr(c.setting, length('pgrst.db_schemas=') + 1), ',')) as e(name)
  where c.setting like 'pgrst.db_schemas=%'`;

// What a holder of the public key would try, beyond reading and emptying every relation and calling every function.
const attacks = [
  `insert into odds_events (id, sport_id, sport, league_id, league, home_team, away_team, commence_time, status)
     values ('fake-live', 'soccer', 'Soccer', 'epl', 'Premier League', 'Fake FC', 'Fixed United', now(), 'live')`,
  `update odds_events set status = 'live'`,
  `delete from sidebar_jurisdiction_rules where jurisdiction = 'US-NJ'`,
  `update sidebar_sport_config set priority = 0`,
  `insert into sidebar_jurisdiction_rules (jurisdiction, kind, value) values ('US-NJ', 'sport', 'soccer')`,
  `truncate odds_events`,
  `truncate sidebar_jurisdiction_rules`,
  `select nextval('sidebar_refresh_log_id_seq')`,
  `refresh materialized view sidebar_data`,
];

async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Every statement an attacker would run: the list above, a read and a delete of every relation, a call of every function. */
async function attackStatements(ownerUrl: string): Promise<string[]> {
  return withClient(ownerUrl, async (client) => {
    const { rows: relations } = await client.query<{ name: string; relkind: string }>(
      `select format('%I', relname) as name, relkind from pg_class where relnamespace = 'public'::regnamespace and relkind in ('r', 'v', 'm') order by 1`,
    );
    // Trigger functions cannot be called directly; the catalogue check covers their privileges.
    const { rows: functions } = await client.query<{ call: string }>(`
      select format('select %s(%s)', p.oid::regproc,
               coalesce((select string_agg('null::' || format_type(t, null), ', ') from unnest(p.proargtypes) t), '')) as call
      from pg_proc p
      where p.pronamespace = 'public'::regnamespace and p.prorettype <> 'trigger'::regtype
      order by 1`);
    return [
      ...attacks,
      ...relations.map((r) => `select * from ${r.name} limit 1`),
      ...relations.filter((r) => r.relkind === 'r').map((r) => `delete from ${r.name}`),
      ...functions.map((f) => f.call),
    ];
  });
}

/**
 * Each statement, as the Data API runs a request with that key's role (or as the login role
 * itself, role null); what each raised ('ok' if nothing). No transaction: what succeeds stays.
 */
async function attackAs(url: string, role: 'anon' | 'authenticated' | null, statements: string[]): Promise<Record<string, string>> {
  return withClient(url, async (client) => {
    if (role) await client.query(`set role ${role}`);
    const outcomes: Record<string, string> = {};
    for (const statement of statements) {
      outcomes[statement] = await client.query(statement).then(
        () => 'ok',
        (error: { code?: string }) => error.code ?? 'error',
      );
    }
    return outcomes;
  });
}

/** A digest of every table's rows, read by the owner: what an attack would have changed. */
async function fingerprint(ownerUrl: string): Promise<Record<string, string>> {
  return withClient(ownerUrl, async (client) => {
    const { rows: tables } = await client.query<{ name: string }>(
      `select format('%I', relname) as name from pg_class where relnamespace = 'public'::regnamespace and relkind in ('r', 'm') order by 1`,
    );
    const digests: Record<string, string> = {};
    for (const { name } of tables) {
      const { rows } = await client.query<{ digest: string }>(
        `select count(*) || ':' || coalesce(md5(string_agg(t::text, '|' order by t::text)), '') as digest from ${name} t`,
      );
      digests[name] = rows[0]?.digest ?? '';
    }
    return digests;
  });
}

const sql = (url: string, text: string) => withClient(url, (client) => client.query(text));

describe.skipIf(!realPostgres)('on a database set up as Supabase sets up a project', () => {
  let server: Awaited<ReturnType<typeof startOwnPostgres>>;
  let databases = 0;

  /** A new project database, owned by platform_owner, with Supabase's default privileges; its owner's URL. */
  async function supabaseProject(): Promise<string> {
    const name = `project_${++databases}`;
    await sql(server.url(), `create database ${name} owner platform_owner`);
    const ownerUrl = server.url(name, 'platform_owner');
    await sql(ownerUrl, supabaseDefaults);
    return ownerUrl;
  }

  const ownerDb = (url: string): Db => createPostgresDb({ connectionString: url, max: 2, onIdleError: () => {} });

  async function migrated(ownerUrl: string, target?: number): Promise<void> {
    const db = ownerDb(ownerUrl);
    try {
      await migrate(db, target === undefined ? {} : { target });
    } finally {
      await db.close();
    }
  }

  async function withFixtures(ownerUrl: string): Promise<void> {
    const db = ownerDb(ownerUrl);
    try {
      await loadFixtures(db);
      await db.query(`select refresh_sidebar_data('startup')`);
    } finally {
      await db.close();
    }
  }

  beforeAll(async () => {
    if (!postgresProgramsInstalled) throw new Error('TEST_DATABASE_URL is set but PostgreSQL 15 programs (/usr/lib/postgresql/15/bin) are not installed');
    server = await startOwnPostgres('supabase');
    await sql(server.url(), supabaseRoles);
  }, 120_000);
  afterAll(async () => {
    await server?.stop();
  });

  /** The catalogue check and every attack as anon and authenticated, on a migrated database holding the fixtures. */
  async function expectNothingReachable(ownerUrl: string): Promise<void> {
    const exposed = await withClient(ownerUrl, (c) => c.query<{ name: string }>(exposedSchemas));
    expect(exposed.rows.map((r) => r.name)).toContain('public');
    const findings = await withClient(ownerUrl, (c) => c.query<{ finding: string }>(catalogueCheck));
    expect(findings.rows.map((r) => r.finding)).toEqual([]);

    const statements = await attackStatements(ownerUrl);
    const before = await fingerprint(ownerUrl);
    const apiUrl = ownerUrl.replace('platform_owner@', 'authenticator@');
    for (const role of ['anon', 'authenticated'] as const) {
      const outcomes = await attackAs(apiUrl, role, statements);
      // 42501: insufficient_privilege, for every statement.
      expect(Object.entries(outcomes).filter(([, code]) => code !== '42501')).toEqual([]);
    }
    expect(await fingerprint(ownerUrl)).toEqual(before);
  }

  it('after the migrations, the catalogue check finds nothing and every attack as anon or authenticated is refused, the data unchanged', async () => {
    const ownerUrl = await supabaseProject();
    await migrated(ownerUrl);
    await withFixtures(ownerUrl);
    await expectNothingReachable(ownerUrl);
  });

  it('a database of the schema before least privilege: reachable with the public key, then nothing after the upgrade', async () => {
    const ownerUrl = await supabaseProject();
    await migrated(ownerUrl, 15);
    await withFixtures(ownerUrl);
    // The check and the attacks are not vacuous: they see what the upgrade closes.
    const findings = await withClient(ownerUrl, (c) => c.query<{ finding: string }>(catalogueCheck));
    expect(findings.rows.map((r) => r.finding)).toEqual(
      expect.arrayContaining([
        'table public.odds_events: SELECT for anon',
        'table public.odds_events: row level security off',
        "view public.sidebar_source: runs with its owner's rights (no security_invoker)",
        'function refresh_sidebar_data(text,double precision,double precision,boolean): EXECUTE for PUBLIC',
        'function refresh_sidebar_data(text,double precision,double precision,boolean): search_path not pinned',
        'materialized view public.sidebar_data: SELECT for anon',
      ]),
    );
    const apiUrl = ownerUrl.replace('platform_owner@', 'authenticator@');
    const outcomes = await attackAs(apiUrl, 'anon', [
      'select * from odds_events limit 1',
      `delete from sidebar_jurisdiction_rules where jurisdiction = 'US-NJ'`,
    ]);
    expect(Object.values(outcomes)).toEqual(['ok', 'ok']);

    await migrated(ownerUrl);
    await expectNothingReachable(ownerUrl);
  });

  /** Serves, streams, refreshes and imports: the sidebar has the fixtures, an import shows after a refresh. */
  async function exerciseService(app: FastifyInstance): Promise<void> {
    const sidebar = await app.inject({ method: 'GET', url: paths.sidebar });
    expect(sidebar.statusCode).toBe(200);
    expect(sidebar.json()).toMatchObject({ source: 'materialized_view', totals: { game_count: expect.any(Number) } });
    const gamesBefore = sidebar.json().totals.game_count as number;
    expect(gamesBefore).toBeGreaterThan(0);

    expect((await app.inject({ method: 'GET', url: '/ready' })).statusCode).toBe(200);
    expect((await app.inject({ method: 'GET', url: paths.stats, headers: asAdmin })).statusCode).toBe(200);

    const base = await listening(app);
    const stream = await openSse(`${base}${paths.stream}`);
    try {
      expect(stream.status).toBe(200);
      expect((await stream.next()).event).toBe('sidebar');

      const imported = await app.inject({
        method: 'POST',
        url: paths.events,
        headers: { ...asAdmin, 'content-type': 'application/json' },
        payload: JSON.stringify([oddsApiRecord('supabase-import-1'), oddsApiRecord('supabase-import-2')]),
      });
      expect(imported.statusCode).toBe(200);
      expect(imported.json()).toMatchObject({ inserted: 2, rejected: 0 });

      const refreshed = await app.inject({ method: 'POST', url: paths.refresh, headers: asAdmin });
      expect(refreshed.statusCode).toBe(200);
      expect(refreshed.json()).toMatchObject({ status: 'success' });
      expect((await stream.next(10_000)).event).toBe('delta');
      const after = await app.inject({ method: 'GET', url: paths.sidebar });
      expect(after.json().totals.game_count).toBe(gamesBefore + 2);
    } finally {
      stream.close();
    }
  }

  it('the service migrates, serves, streams, refreshes and imports as the project owner', async () => {
    const ownerUrl = await supabaseProject();
    const config = testConfig({ databaseUrl: ownerUrl, importRefreshDelaySeconds: 60 });
    const { db, startup } = await startDatabase(config, silentLogger());
    const cache = createInProcessCache();
    const app = await buildApp({ config, db, cache, dbStartup: startup, logger: false });
    try {
      await startup.whenReady;
      await withFixtures(ownerUrl);
      await exerciseService(app);
    } finally {
      await app.close();
      await cache.close();
      await db.close();
    }
  });

  it('the service runs as a login role granted sidebar_runtime, which owns nothing, migrating over DATABASE_MIGRATION_URL', async () => {
    const ownerUrl = await supabaseProject();
    const runtimeUrl = ownerUrl.replace('platform_owner@', 'sidebar_app@');
    // The deployment's login role, a member of sidebar_runtime (created here if no migration has
    // yet: the migration then finds it, as where the migration role may not create roles).
    await sql(
      server.url(),
      `do $$ begin
         if not exists (select 1 from pg_roles where rolname = 'sidebar_runtime') then create role sidebar_runtime nologin; end if;
         if not exists (select 1 from pg_roles where rolname = 'sidebar_app') then create role sidebar_app login nosuperuser in role sidebar_runtime; end if;
       end $$`,
    );

    const config = testConfig({ databaseUrl: runtimeUrl, databaseMigrationUrl: ownerUrl, importRefreshDelaySeconds: 60 });
    const { db, startup } = await startDatabase(config, silentLogger());
    const cache = createInProcessCache();
    const app = await buildApp({ config, db, cache, dbStartup: startup, logger: false });
    try {
      await startup.whenReady;
      const applied = await withClient(ownerUrl, (c) => c.query<{ version: number }>('select max(version)::integer as version from schemaversion'));
      expect(applied.rows[0]?.version).toBe(latestMigration);
      await withFixtures(ownerUrl);
      await exerciseService(app);
      // What the runtime role cannot do: change the schema, read the configuration, delete events.
      const refused = await attackAs(runtimeUrl, null, [
        'alter table odds_events add column injected text',
        'drop materialized view sidebar_data',
        'create table public.injected (id int)',
        'select * from sidebar_jurisdiction_rules',
        'delete from odds_events',
        'truncate sidebar_refresh_log',
      ]);
      expect(Object.entries(refused).filter(([, code]) => code !== '42501')).toEqual([]);
    } finally {
      await app.close();
      await cache.close();
      await db.close();
    }
  });
});
