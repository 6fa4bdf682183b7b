import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Session } from './types.js';

/*
 * The current definitions of the views, functions and triggers: one file each in
 * migrations/definitions/, created in the order of its order.txt. They are repeatable, as
 * Flyway's repeatable migrations are: whenever a file changes (its checksum) or a numbered
 * migration was applied, every definition is dropped (in the reverse of the order it was created
 * in) and created again, in the migration's transaction. Re-creating all of them, not only the
 * file that changed, is what makes a change a diff of one file: a view's columns can change
 * although others select from it, which CREATE OR REPLACE refuses.
 *
 * Numbered migrations keep what holds data. A table change that a definition depends on (a
 * column type a view reads) drops the definition in its migration; the runner creates it again.
 */

export const definitionsDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'migrations', 'definitions');

export interface Definition {
  /** The object's name, and the file's (without .sql). */
  name: string;
  sql: string;
  checksum: string;
}

/** order.txt: one name per line; blank lines and # comments ignored. */
export function parseOrder(text: string): string[] {
  return text
    .split('\n')
    .map((line) => line.replace(/#.*/, '').trim())
    .filter((line) => line !== '');
}

/** The definitions in creation order. They ship with the code, so they are read once. */
let loaded: Promise<Definition[]> | null = null;
export function loadDefinitions(): Promise<Definition[]> {
  loaded ??= (async () => {
    const names = parseOrder(await readFile(join(definitionsDir, 'order.txt'), 'utf8'));
    return Promise.all(
      names.map(async (name) => {
        const sql = await readFile(join(definitionsDir, `${name}.sql`), 'utf8');
        return { name, sql, checksum: createHash('sha256').update(sql).digest('hex') };
      }),
    );
  })();
  return loaded;
}

interface Applied {
  name: string;
  position: number;
  checksum: string;
}

/** Whether what was applied is exactly these definitions, in this order. */
export function definitionsCurrent(applied: Applied[], definitions: Definition[]): boolean {
  const byPosition = [...applied].sort((a, b) => a.position - b.position);
  return (
    byPosition.length === definitions.length && byPosition.every((row, i) => row.name === definitions[i]?.name && row.checksum === definitions[i]?.checksum)
  );
}

/**
 * The statements that drop the objects named, in the order given: views and materialized views
 * by kind; every function of the name (a trigger function with its triggers, which its file
 * creates again). Names with no object are skipped. Refuses a table: tables are never
 * definitions.
 */
const dropStatements = `
  with names as (select name, ordinality from unnest($1::text[]) with ordinality as n(name, ordinality))
  select n.ordinality, case c.relkind
           when 'v' then format('drop view %I', c.relname)
           when 'm' then format('drop materialized view %I', c.relname)
           else format('do $refuse$ begin raise exception %L; end $refuse$', format('%s is not a view, function or trigger: a definition cannot replace it', c.relname))
         end as statement
  from names n join pg_class c on c.relname = n.name and c.relnamespace = 'public'::regnamespace
  union all
  select n.ordinality,
         format('drop function %s%s', p.oid::regprocedure, case when p.prorettype = 'trigger'::regtype then ' cascade' else '' end)
  from names n join pg_proc p on p.proname = n.name and p.pronamespace = 'public'::regnamespace
  order by 1`;

/**
 * Least privilege for what the definitions created: PostgreSQL grants EXECUTE on a new function
 * to PUBLIC, and Supabase grants everything new in public to anon and authenticated (default
 * privileges). Revoked here once for every definition, rather than in each file; the grants the
 * service's runtime role needs are in the files.
 */
const revokeStatements = `
  with grantees as (
    select string_agg(g, ', ') as list
    from (select 'public' as g union all select quote_ident(rolname) from pg_roles where rolname in ('anon', 'authenticated')) r
  )
  select format('revoke all on table %I from %s', c.relname, g.list) as statement
  from pg_class c, grantees g
  where c.relnamespace = 'public'::regnamespace and c.relname = any($1::text[]) and c.relkind in ('v', 'm')
  union all
  select format('revoke all on function %s from %s', p.oid::regprocedure, g.list)
  from pg_proc p, grantees g
  where p.pronamespace = 'public'::regnamespace and p.proname = any($1::text[])`;

async function run(session: Session, query: string, names: string[]): Promise<void> {
  const { rows } = await session.query<{ statement: string }>(query, [names]);
  for (const { statement } of rows) await session.exec(statement);
}

/**
 * Brings the definitions up to date, in the caller's transaction; returns the names created
 * (none when they were current). `force`: re-create them even if current (a numbered migration
 * was applied). On a database refreshed before, refreshes sidebar_data at once: the one place a
 * schema change rebuilds it (it is created empty).
 */
export async function applyDefinitions(session: Session, options: { force: boolean }): Promise<string[]> {
  const definitions = await loadDefinitions();
  const { rows: applied } = await session.query<Applied>('select name, position, checksum from sidebar_definitions');
  if (!options.force && definitionsCurrent(applied, definitions)) return [];

  // What was created before, newest first; then any current name not recorded (a leftover).
  const recorded = [...applied].sort((a, b) => b.position - a.position).map((row) => row.name);
  const unrecorded = definitions.map((d) => d.name).filter((name) => !recorded.includes(name));
  await run(session, dropStatements, [...recorded, ...unrecorded.reverse()]);

  for (const definition of definitions) {
    try {
      await session.exec(definition.sql);
    } catch (error) {
      throw new Error(`migrations/definitions/${definition.name}.sql: ${(error as Error).message}`, { cause: error });
    }
  }
  const names = definitions.map((d) => d.name);
  await run(session, revokeStatements, names);

  await session.query('delete from sidebar_definitions');
  await session.query(
    `insert into sidebar_definitions (name, position, checksum)
     select name, position, checksum from unnest($1::text[], $2::text[]) with ordinality as d(name, checksum, position)`,
    [names, definitions.map((d) => d.checksum)],
  );

  await session.exec(`do $$
    begin
      if exists (select 1 from sidebar_data_version()) then
        perform refresh_sidebar_data('startup');
      end if;
    end;
  $$`);
  return names;
}
