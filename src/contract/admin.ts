import { type Static, Type } from '@sinclair/typebox';
import { Count, Instant, NullableInstant, NullableNumber } from './common.js';

export const refreshTriggers = ['scheduler', 'manual', 'startup', 'import', 'change'] as const;
export const RefreshTrigger = Type.Union(refreshTriggers.map((t) => Type.Literal(t)));
export type RefreshTrigger = Static<typeof RefreshTrigger>;

export const RefreshStatus = Type.Union([Type.Literal('success'), Type.Literal('error'), Type.Literal('skipped')]);
export type RefreshStatus = Static<typeof RefreshStatus>;

/** A row of sidebar_refresh_log: the answer of POST /refresh, and the entries of /stats. */
export const RefreshLog = Type.Object({
  id: Type.Integer({ description: 'For a success, the version of sidebar_data it made.' }),
  started_at: Instant,
  finished_at: Instant,
  duration_ms: Type.Number(),
  row_count: Type.Union([Type.Integer(), Type.Null()]),
  status: RefreshStatus,
  error_message: Type.Union([Type.String(), Type.Null()]),
  trigger: Type.String(),
  alert_triggered: Type.Boolean(),
  alert_threshold_ms: Type.Number(),
});
export type RefreshLog = Static<typeof RefreshLog>;

export const SchedulerState = Type.Object({
  enabled: Type.Boolean(),
  running: Type.Boolean({ description: 'The schedule is started.' }),
  busy: Type.Boolean({ description: 'A scheduled refresh is in flight.' }),
  interval_seconds: Type.Integer(),
  pattern: Type.String(),
  last_run_at: NullableInstant,
  next_run_at: NullableInstant,
  last_result: Type.Union([
    Type.Object({
      status: Type.Union([RefreshStatus, Type.Literal('failed')]),
      duration_ms: NullableNumber,
      message: Type.Union([Type.String(), Type.Null()]),
    }),
    Type.Null(),
  ]),
});
export type SchedulerState = Static<typeof SchedulerState>;

export const ChangeLoopState = Type.Object(
  {
    enabled: Type.Boolean({ description: 'This instance polls for changes (SIDEBAR_CHANGE_POLL_MS > 0).' }),
    poll_ms: Type.Integer({ description: 'The poll now: SIDEBAR_CHANGE_POLL_MS, or the safety poll while woken.' }),
    woken: Type.Boolean({ description: 'The database notifications arrive (LISTEN): writes wake the loop at once.' }),
    min_gap_ms: Type.Integer(),
    last_check_at: NullableInstant,
    last_refresh_at: NullableInstant,
    refreshes: Type.Integer({ minimum: 0, description: 'Change-driven refreshes this instance ran.' }),
    failing: Type.Boolean({ description: 'Polls fail (database unreachable): changes wait for it, or for the schedule.' }),
  },
  { description: 'Change-driven refreshes: writes to odds_events reach sidebar_data within about the minimum gap.' },
);
export type ChangeLoopState = Static<typeof ChangeLoopState>;

export const AnswerLayers = Type.Object(
  { memory: Count, cache: Count, database: Count, stale: Count },
  { description: 'Answers by layer: this process’s copy, the shared cache, the database; stale = memory answers served while reloading.' },
);
export type AnswerLayers = Static<typeof AnswerLayers>;

export const StatsQuery = Type.Object({
  recent: Type.Integer({ minimum: 1, maximum: 500, default: 20, description: 'How many of the newest refresh log rows refreshes.recent lists.' }),
});
export type StatsQuery = Static<typeof StatsQuery>;

export const Stats = Type.Object({
  refreshes: Type.Object({
    recent: Type.Array(RefreshLog),
    last_24h: Type.Object({
      refreshes: Count,
      failures: Count,
      avg_duration_ms: NullableNumber,
      p95_duration_ms: NullableNumber,
      alerts: Count,
    }),
    last_success_at: NullableInstant,
    view_age_seconds: NullableNumber,
    view_populated: Type.Boolean(),
  }),
  scheduler: SchedulerState,
  changes: ChangeLoopState,
  stream: Type.Object(
    {
      clients: Count,
      dropped: Type.Integer({ minimum: 0, description: 'Clients dropped for not reading (more than 1 MiB waiting), since start.' }),
      version: Type.Union([Type.Integer(), Type.Null()], { description: 'The version the streams of this instance are at.' }),
      variants: Type.Integer({
        minimum: 1,
        description: 'Variants this instance streams (each follows every version): the full sidebar and those with clients, at most SIDEBAR_VARIANTS_MAX.',
      }),
    },
    { description: 'GET /sidebar/stream on this instance.' },
  ),
  cache: Type.Object({
    backend: Type.String(),
    connected: Type.Boolean(),
    subscribed: Type.Boolean({ description: 'New versions announced by other instances arrive (Redis pub/sub); false: found by polling.' }),
    instances: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()], {
      description:
        'Processes (instances, or workers of an instance) subscribed to new versions, as Redis counts them; 1 with the in-process cache; null where it cannot tell (Redis Cluster, Redis unreachable).',
    }),
    hits: Count,
    misses: Count,
    errors: Count,
    hit_ratio: NullableNumber,
    layers: AnswerLayers,
    ttl_seconds: Type.Integer(),
  }),
  requests: Type.Object({
    sidebar_latency_ms: Type.Object({ count: Count, p50: NullableNumber, p95: NullableNumber, p99: NullableNumber }),
  }),
});
export type Stats = Static<typeof Stats>;

export const feedFormats = ['the-odds-api', 'the-odds-api-v3', 'optic-odds'] as const;
export type FeedFormat = (typeof feedFormats)[number];

export const ImportQuery = Type.Object({
  format: Type.Optional(
    Type.Union(
      feedFormats.map((f) => Type.Literal(f)),
      { description: 'Skip detection: read every record as this format.' },
    ),
  ),
});
export type ImportQuery = Static<typeof ImportQuery>;

const FormatCounts = Type.Object({ read: Type.Integer(), accepted: Type.Integer(), rejected: Type.Integer() });

export const ImportResult = Type.Object({
  read: Type.Integer({ description: 'Event records found in the payload.' }),
  inserted: Type.Integer(),
  updated: Type.Integer(),
  unchanged: Type.Integer(),
  rejected: Type.Integer(),
  duplicates: Type.Integer({ description: 'Records repeating an id seen earlier in the payload (merged).' }),
  sports_listed: Type.Integer({ description: 'The Odds API /v4/sports entries used for sport groups and league titles.' }),
  formats: Type.Record(Type.String(), FormatCounts),
  rejections: Type.Array(Type.Object({ file: Type.String(), position: Type.String(), reason: Type.String(), format: Type.Optional(Type.String()) }), {
    description: 'The first 100 rejected records: where they are in the payload and why.',
  }),
  rejections_total: Type.Integer(),
  seconds: Type.Number(),
  refresh: Type.Union([Type.Object({ scheduled_at: Instant }), Type.Null()], {
    description: 'When the sidebar refresh that will show these changes is due; null when nothing changed.',
  }),
});
export type ImportResult = Static<typeof ImportResult>;
