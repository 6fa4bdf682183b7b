import { Type } from '@sinclair/typebox';

const Nullable = <T extends ReturnType<typeof Type.String>>(schema: T) => Type.Union([schema, Type.Null()]);
const Count = Type.Integer({ minimum: 0 });

export const errorSchema = Type.Object(
  {
    statusCode: Type.Integer(),
    error: Type.String(),
    message: Type.String(),
    requestId: Type.String(),
  },
  { $id: 'Error', description: 'Every error answer has this shape.' },
);
const errorRef = Type.Ref('Error');

export const leagueSchema = Type.Object({
  league_id: Type.String({ examples: ['nba'] }),
  league: Type.String({ examples: ['NBA'] }),
  icon: Type.Union([Type.String(), Type.Null()]),
  priority: Type.Union([Type.Integer(), Type.Null()], { description: 'Configured priority; null when unconfigured (shown after configured leagues).' }),
  game_count: Count,
  live_game_count: Count,
  next_start: Nullable(Type.String({ format: 'date-time', description: 'Earliest upcoming start among open games.' })),
});

export const sportSchema = Type.Object({
  sport_id: Type.String({ examples: ['basketball'] }),
  sport: Type.String({ examples: ['Basketball'] }),
  icon: Type.Union([Type.String(), Type.Null()]),
  priority: Type.Union([Type.Integer(), Type.Null()]),
  game_count: Count,
  live_game_count: Count,
  leagues: Type.Array(leagueSchema),
});

export const sidebarSchema = Type.Object(
  {
    sports: Type.Array(sportSchema),
    totals: Type.Object({ sports: Count, leagues: Count, game_count: Count, live_game_count: Count }),
    refreshed_at: Nullable(Type.String({ format: 'date-time' })),
    source: Type.Union([Type.Literal('materialized_view'), Type.Literal('fallback')]),
  },
  { description: 'Sports in sidebar order, each with its leagues in order; only sports and leagues with open games.' },
);

export const sidebarQuerySchema = Type.Object({
  force_refresh: Type.Optional(Type.Boolean({ default: false, description: 'Bypass the cache and read the database (admin only).' })),
});

const refreshLogSchema = Type.Object({
  id: Type.Integer(),
  started_at: Type.String({ format: 'date-time' }),
  finished_at: Type.String({ format: 'date-time' }),
  duration_ms: Type.Number(),
  row_count: Type.Union([Type.Integer(), Type.Null()]),
  status: Type.Union([Type.Literal('success'), Type.Literal('error'), Type.Literal('skipped')]),
  error_message: Type.Union([Type.String(), Type.Null()]),
  trigger: Type.String(),
  alert_triggered: Type.Boolean(),
  alert_threshold_ms: Type.Number(),
});

export const refreshResponseSchema = refreshLogSchema;

const nullableNumber = Type.Union([Type.Number(), Type.Null()]);

export const statsSchema = Type.Object({
  refreshes: Type.Object({
    recent: Type.Array(refreshLogSchema),
    last_24h: Type.Object({
      refreshes: Count,
      failures: Count,
      avg_duration_ms: nullableNumber,
      p95_duration_ms: nullableNumber,
      alerts: Count,
    }),
    last_success_at: Nullable(Type.String({ format: 'date-time' })),
    view_age_seconds: nullableNumber,
    view_populated: Type.Boolean(),
  }),
  scheduler: Type.Object({
    enabled: Type.Boolean(),
    running: Type.Boolean(),
    busy: Type.Boolean(),
    interval_seconds: Type.Integer(),
    pattern: Type.String(),
    last_run_at: Nullable(Type.String({ format: 'date-time' })),
    next_run_at: Nullable(Type.String({ format: 'date-time' })),
    last_result: Type.Union([
      Type.Object({ status: Type.String(), duration_ms: nullableNumber, message: Type.Union([Type.String(), Type.Null()]) }),
      Type.Null(),
    ]),
  }),
  cache: Type.Object({
    backend: Type.String(),
    connected: Type.Boolean(),
    hits: Count,
    misses: Count,
    errors: Count,
    hit_ratio: nullableNumber,
    layers: Type.Object(
      { memory: Count, cache: Count, database: Count, stale: Count },
      { description: 'Answers by layer: this process’s copy, the shared cache, the database; stale = memory answers served while reloading.' },
    ),
    ttl_seconds: Type.Integer(),
  }),
  requests: Type.Object({
    sidebar_latency_ms: Type.Object({ count: Count, p50: nullableNumber, p95: nullableNumber, p99: nullableNumber }),
  }),
});

export const errorResponses = {
  400: errorRef,
  401: errorRef,
  403: errorRef,
  429: errorRef,
  500: errorRef,
} as const;
