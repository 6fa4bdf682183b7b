import { Type } from '@sinclair/typebox';

/** Building blocks the contract's schemas share. */
export const Count = Type.Integer({ minimum: 0 });
/** ISO 8601, UTC. */
export const Instant = Type.String({ format: 'date-time' });
export const NullableInstant = Type.Union([Instant, Type.Null()]);
export const NullableNumber = Type.Union([Type.Number(), Type.Null()]);
