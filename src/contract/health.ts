import { type Static, Type } from '@sinclair/typebox';

export const Health = Type.Object({ status: Type.Literal('ok') });
export type Health = Static<typeof Health>;

/** The database's start-up preparation (connect, migrate), retried in the background while PostgreSQL is unreachable. */
export const StartupStatus = Type.Object({
  ready: Type.Boolean(),
  attempts: Type.Integer({ description: 'Attempts so far (0: prepared before the service was built)' }),
  last_error: Type.Union([Type.String(), Type.Null()], { description: 'Why the last attempt failed, while not ready' }),
  next_attempt_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
});
export type StartupStatus = Static<typeof StartupStatus>;

export const Ready = Type.Object({
  status: Type.Union([Type.Literal('ready'), Type.Literal('not_ready')]),
  database: Type.Object({ kind: Type.String(), reachable: Type.Boolean(), error: Type.Optional(Type.String()) }),
  migrations: Type.Object({ current: Type.Integer(), latest: Type.Integer(), applied: Type.Boolean() }),
  startup: StartupStatus,
  cache: Type.Object({ backend: Type.String(), connected: Type.Boolean() }),
});
export type Ready = Static<typeof Ready>;
