import { type Static, Type } from '@sinclair/typebox';

export const Health = Type.Object({ status: Type.Literal('ok') });
export type Health = Static<typeof Health>;

export const Ready = Type.Object({
  status: Type.Union([Type.Literal('ready'), Type.Literal('not_ready')]),
  database: Type.Object({ kind: Type.String(), reachable: Type.Boolean(), error: Type.Optional(Type.String()) }),
  migrations: Type.Object({ current: Type.Integer(), latest: Type.Integer(), applied: Type.Boolean() }),
  cache: Type.Object({ backend: Type.String(), connected: Type.Boolean() }),
});
export type Ready = Static<typeof Ready>;
