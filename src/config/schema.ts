import { type Static, type TSchema, Type } from '@sinclair/typebox';
import { languageTagPattern } from '../contract/sidebar.js';

export const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof logLevels)[number];

/**
 * Marks a variable whose value must never be echoed (in errors or logs): JSON Schema's
 * writeOnly annotation, which validators know and ignore.
 */
const secret = { writeOnly: true } as const;

/*
 * Every environment variable the service reads, with its type, bounds, default and description,
 * in groups by concern: the only place that names a variable. `.env.example` and the README's
 * table are generated from it (npm run config:docs; a unit test fails when they are stale).
 * Tuning constants no operator needs to set live in the code that uses them, named.
 */

const http = {
  PORT: Type.Integer({ description: 'The port to listen on.', minimum: 0, maximum: 65535, default: 3000 }),
  HOST: Type.String({ description: 'The address to listen on.', minLength: 1, default: '0.0.0.0' }),
  LOG_LEVEL: Type.Unsafe<LogLevel>({
    description: 'fatal | error | warn | info | debug | trace | silent (debug logs every cache hit and miss).',
    type: 'string',
    enum: [...logLevels],
    default: 'info',
  }),
  TRUST_PROXY: Type.Boolean({ description: 'true behind a load balancer, so rate limits apply per client IP (X-Forwarded-For).', default: false }),
  SHUTDOWN_GRACE_MS: Type.Integer({
    description: 'How long in-flight requests and a running refresh may take to finish on SIGTERM or SIGINT.',
    minimum: 0,
    default: 10000,
  }),
  WEB_CONCURRENCY: Type.String({
    description:
      'Worker processes sharing PORT (node:cluster): a number, or auto (one per core). Each worker holds its own copy of the sidebar, its own DATABASE_POOL_MAX connections and Redis connections; worker 0 runs the schedule and change polling. Above 1 needs DATABASE_URL (the embedded database lives in one process; auto is then 1).',
    pattern: '^(auto|[1-9][0-9]?)$',
    default: '1',
  }),
  HTTP_REQUEST_TIMEOUT_MS: Type.Integer({
    description: 'Time a client has to send a whole request, body included: a slow upload is cut with 408 after it.',
    minimum: 1000,
    maximum: 3600000,
    default: 60000,
  }),
};

const database = {
  DATABASE_URL: Type.Optional(
    Type.String({
      description:
        'Unset: embedded PostgreSQL (PGlite) under PGLITE_DATA_DIR, with demo data on first start. Supabase: the transaction pooler (port 6543), as the runtime role (README, "Deploying on Supabase") or the postgres role, e.g. postgres://sidebar_app.<ref>:<password>@aws-0-<region>.pooler.supabase.com:6543/postgres?sslmode=no-verify',
      pattern: '^postgres(ql)?://',
      ...secret,
    }),
  ),
  DATABASE_MIGRATION_URL: Type.Optional(
    Type.String({
      description:
        'Where migrations run when DATABASE_URL is a role that may not change the schema (the runtime role): the owner over a session connection (Supabase: the session pooler, port 5432, or the direct connection). Used by `sidebar migrate` and by MIGRATE_ON_START, on one connection closed afterwards. Unset: DATABASE_URL.',
      pattern: '^postgres(ql)?://',
      ...secret,
    }),
  ),
  DATABASE_READ_URL: Type.Optional(
    Type.String({
      description:
        "A read replica of DATABASE_URL: the sidebar's reads (the view, the fallback, the version poll) go there; refreshes, the refresh log and imports stay on DATABASE_URL. A version made on the primary is served once the replica shows it; while the replica cannot be reached, reads go to the primary (tried again every 5 s).",
      pattern: '^postgres(ql)?://',
      ...secret,
    }),
  ),
  DATABASE_LISTEN_URL: Type.Optional(
    Type.String({
      description:
        "Where each process LISTENs for the database's notifications (SIDEBAR_WAKEUPS): a session connection, direct or through a session-mode pooler (Supabase: port 5432), as the runtime role. Unset: DATABASE_URL, which works unless it is a transaction pooler (the service then finds that notifications do not arrive, and polls).",
      pattern: '^postgres(ql)?://',
      ...secret,
    }),
  ),
  DATABASE_POOL_MAX: Type.Integer({
    description:
      "Connections per process (and per worker), for DATABASE_URL and DATABASE_READ_URL each. Budget: instances x WEB_CONCURRENCY x DATABASE_POOL_MAX within the pooler's client limit or the database's max_connections.",
    minimum: 1,
    maximum: 1000,
    default: 10,
  }),
  DATABASE_QUERY_TIMEOUT_MS: Type.Integer({
    description:
      'Deadline of each statement on PostgreSQL, enforced by the client (works through poolers): a connection that goes silent (a failover) fails its query and is replaced instead of hanging.',
    minimum: 100,
    maximum: 600000,
    default: 5000,
  }),
  DATABASE_REFRESH_TIMEOUT_MS: Type.Integer({
    description: 'Deadline of a refresh_sidebar_data() call, which may take longer than a read.',
    minimum: 1000,
    maximum: 3600000,
    default: 120000,
  }),
  PGLITE_DATA_DIR: Type.String({ description: 'Folder for the embedded database, or memory:// for a throw-away one.', minLength: 1, default: './data/pglite' }),
  MIGRATE_ON_START: Type.Boolean({ description: 'Apply pending migrations at start-up (safe with several instances: they take a lock).', default: true }),
  SEED_DEMO_DATA: Type.Boolean({
    description: 'Load generated demo events into an empty embedded database at start-up. Never touches DATABASE_URL.',
    default: true,
  }),
};

const cache = {
  REDIS_URL: Type.Optional(
    Type.String({
      description: 'Unset: in-process cache. With Redis, every instance shares one cache (redis:// or rediss://).',
      pattern: '^rediss?://',
      ...secret,
    }),
  ),
  REDIS_SENTINELS: Type.String({
    description: 'Instead of REDIS_URL: the Sentinels (host:port, comma-separated) that watch a master and fail it over.',
    default: '',
  }),
  REDIS_SENTINEL_MASTER: Type.String({ description: 'The name of the master the Sentinels watch.', minLength: 1, default: 'mymaster' }),
  REDIS_CLUSTER_NODES: Type.String({
    description:
      'Instead of REDIS_URL: some nodes of a Redis Cluster (host:port, comma-separated; the rest are discovered). Keys carry the hash tag {sidebar} (one slot).',
    default: '',
  }),
  REDIS_PASSWORD: Type.Optional(
    Type.String({ description: "The Sentinel-managed master's or the cluster nodes' password (REDIS_URL carries its own).", minLength: 1, ...secret }),
  ),
  REDIS_TIMEOUT_MS: Type.Integer({
    description: 'Upper bound for connecting to Redis and for any one command; a slow Redis costs no more.',
    minimum: 10,
    maximum: 60000,
    default: 500,
  }),
  CACHE_KEY_PREFIX: Type.String({
    description: 'Namespace of the cache keys: <prefix>:v5:{sidebar}:<version>, :latest (the newest version written) and :fallback.',
    minLength: 1,
    default: 'sidebar',
  }),
  SIDEBAR_CACHE_TTL_SECONDS: Type.Integer({ description: "How long the shared cache keeps a version's sidebar.", minimum: 1, default: 300 }),
  SIDEBAR_FALLBACK_CACHE_TTL_SECONDS: Type.Integer({
    description: 'How long the shared cache keeps a sidebar computed by the fallback (the view was unavailable): short, so the view takes over soon.',
    minimum: 1,
    default: 30,
  }),
  SIDEBAR_VERSION_POLL_MS: Type.Integer({
    description:
      'How often each instance reads the version of sidebar_data (one indexed row) to notice refreshes made elsewhere: another instance, psql, pg_cron. A refresh reaches every instance within about this long plus one read. 0: never poll.',
    minimum: 0,
    maximum: 60000,
    default: 250,
  }),
};

const answers = {
  CORS_ORIGINS: Type.String({
    description:
      'Origins whose browser pages may read the API (CORS): comma-separated, each exactly scheme://host[:port], e.g. https://www.example.com. Empty: none.',
    default: '',
  }),
  CORS_ADMIN: Type.Boolean({ description: 'Whether the admin routes (refresh, stats, import, metrics) answer those origins too.', default: false }),
  SIDEBAR_HTTP_CACHE_CONTROL: Type.String({
    description:
      'Cache-Control of public sidebar answers: max-age for browsers (0: revalidate each use, a cheap 304), s-maxage for CDNs and proxies, stale-while-revalidate, stale-if-error (how long a cache may serve its copy while the service fails).',
    pattern: '^public(, ?[a-z-]+(=[0-9]+)?)*$',
    default: 'public, max-age=0, s-maxage=1, stale-while-revalidate=2, stale-if-error=3600',
  }),
  SIDEBAR_VARIANTS_MAX: Type.Integer({
    description:
      'Sidebar variants (?window=live, …) each process keeps pre-built, the least recently used dropped beyond this; each is derived once per version.',
    minimum: 1,
    maximum: 100000,
    default: 256,
  }),
  SIDEBAR_COLD_BUDGET_MS_PER_SECOND: Type.Integer({
    description:
      "CPU milliseconds a second this process may spend on variants it does not keep and URLs its hot path does not know; one client address may spend a quarter of it, then gets 429 before any routing; past the process's budget, a variant to build gets 503.",
    minimum: 10,
    maximum: 1000,
    default: 200,
  }),
  SIDEBAR_DEFAULT_LANGUAGE: Type.String({
    description: "The language of the default sport, league and region names (the feeds'): the Content-Language of answers in no other language (BCP 47).",
    pattern: languageTagPattern,
    default: 'en',
  }),
};

const cdn = {
  CDN_SURROGATE_KEY: Type.String({
    description: 'The tag sidebar answers carry in Surrogate-Key and Cache-Tag, which CDNs purge by (a variant adds its own, e.g. sidebar:window=live).',
    pattern: '^[A-Za-z0-9._-]+$',
    maxLength: 128,
    default: 'sidebar',
  }),
  CDN_PURGE_URL: Type.Optional(
    Type.String({
      description:
        'When set, the instance that makes a new version POSTs here ({key} in the URL becomes the tag; the body is {"tags":["<tag>"]}); a failure is logged and counted, and edge copies expire by their s-maxage. Fastly: https://api.fastly.com/service/<id>/purge/{key}; Cloudflare: https://api.cloudflare.com/client/v4/zones/<id>/purge_cache',
      pattern: '^https?://',
    }),
  ),
  CDN_PURGE_TOKEN: Type.Optional(Type.String({ description: "The CDN API's token, sent in CDN_PURGE_TOKEN_HEADER.", minLength: 1, ...secret })),
  CDN_PURGE_TOKEN_HEADER: Type.String({
    description: "The header that carries the token: authorization (as Bearer <token>), or a CDN's own, e.g. Fastly-Key (as it is).",
    pattern: '^[A-Za-z0-9-]+$',
    default: 'authorization',
  }),
  CDN_PURGE_TIMEOUT_MS: Type.Integer({ description: 'Deadline of one purge call.', minimum: 100, maximum: 60000, default: 5000 }),
};

const admin = {
  ADMIN_API_KEY: Type.Optional(
    Type.String({
      description:
        'A shared secret (at least 16 characters), sent as Authorization: Bearer <key>. With none of the three admin credentials set, admin endpoints answer 403.',
      minLength: 16,
      ...secret,
    }),
  ),
  SUPABASE_URL: Type.Optional(
    Type.String({
      description:
        "The Supabase project, https://<ref>.supabase.co: admin JWTs (app_metadata.role = admin) signed with the project's keys (ES256 or RS256, from its JWKS, cached), issuer and audience checked. While the keys cannot be fetched and none is held, admin requests get 503.",
      pattern: '^https?://[^/?#]+/?$',
    }),
  ),
  SUPABASE_JWT_SECRET: Type.Optional(
    Type.String({
      description: "Supabase's legacy JWT secret (at least 32 characters): accepts HS256 tokens with app_metadata.role = admin or role = service_role.",
      minLength: 32,
      ...secret,
    }),
  ),
  ADMIN_JWT_MAX_AGE_SECONDS: Type.Optional(
    Type.Integer({
      description: "When set, admin JWTs must carry iat and be younger than this. Leave unset if operators use Supabase's service_role key (valid for years).",
      minimum: 60,
    }),
  ),
  ADMIN_AUTH_FAILURES_PER_MINUTE: Type.Integer({
    description:
      'Failed admin authentications allowed per client address per minute; beyond, 429. Valid credentials always pass. With Redis counted for the whole fleet, otherwise (or while it fails) per process.',
    minimum: 1,
    default: 30,
  }),
  METRICS_TOKEN: Type.Optional(
    Type.String({ description: 'When set (16+ characters), GET /metrics requires Authorization: Bearer <token>.', minLength: 16, ...secret }),
  ),
};

const refresh = {
  SCHEDULER_ENABLED: Type.Boolean({ description: 'Refresh on a schedule (and run change-driven refreshes and retention) in this instance.', default: true }),
  SIDEBAR_REFRESH_INTERVAL_SECONDS: Type.Integer({
    description: 'The schedule. Intervals that divide a minute, an hour or a day are aligned to the clock, so all instances tick together.',
    minimum: 1,
    maximum: 86400,
    default: 300,
  }),
  SIDEBAR_REFRESH_ALERT_SECONDS: Type.Number({
    description: 'A refresh slower than this is flagged (alert_triggered) and logged at warn level.',
    minimum: 0,
    default: 30,
  }),
  SIDEBAR_REFRESH_RATE_LIMIT: Type.Integer({
    description: 'Manual refreshes (POST /refresh) allowed per client per minute; with Redis for the whole fleet, otherwise per process.',
    minimum: 1,
    default: 10,
  }),
  SIDEBAR_CHANGE_POLL_MS: Type.Integer({
    description:
      'Change-driven refreshes: writes to odds_events (by anyone) mark what they touched, and every instance asks this often whether a refresh is due (an index probe when nothing is). 0: off, writes then wait for the schedule.',
    minimum: 0,
    maximum: 60000,
    default: 250,
  }),
  SIDEBAR_WAKEUPS: Type.Boolean({
    description:
      "LISTEN for the database's notifications (a write left changes, a refresh made a version): the change loop and the version watcher act at once. The change loop then polls only every 5 s, in case one is lost; the version watcher keeps SIDEBAR_VERSION_POLL_MS, as its poll is what tells the database is unreachable (answers marked stale). Checked by a probe every 30 s; while notifications do not arrive (a transaction pooler), the change loop polls as SIDEBAR_CHANGE_POLL_MS says. One extra database connection per process.",
    default: true,
  }),
  SIDEBAR_CHANGE_MIN_GAP_MS: Type.Integer({
    description:
      'At most one change-driven refresh per this many milliseconds across the whole fleet: the cost bound whatever the write rate. A write shows within about this gap plus the polls (docs/benchmarks.md).',
    minimum: 100,
    maximum: 3600000,
    default: 500,
  }),
};

const pages = {
  WEB_PAGES_ENABLED: Type.Boolean({
    description: 'The demo sidebar at / and the operator dashboard at /admin (packages/demo, built by npm install). false: both answer 404 (the API alone).',
    default: true,
  }),
};

const stream = {
  STREAM_MAX_CLIENTS: Type.Integer({
    description:
      "Server-Sent Events clients one process serves at once (each worker: an instance with WEB_CONCURRENCY workers serves that many times this); more get 503 with Retry-After. Each is a socket: the process's file limit (ulimit -n, LimitNOFILE) must be above this + ~1000.",
    minimum: 0,
    maximum: 1000000,
    default: 10000,
  }),
  STREAM_MAX_SHARE_PER_ADDRESS: Type.Number({
    description:
      'The share of STREAM_MAX_CLIENTS one client address may hold (429 past it; 0.1: room for a carrier-grade NAT). When every slot is taken, a newcomer takes the newest stream of the address holding the most.',
    exclusiveMinimum: 0,
    maximum: 1,
    default: 0.1,
  }),
};

const retention = {
  RETENTION_DAYS: Type.Integer({
    description: '0: off. N: every hour, move events that finished (or went stale) more than N days ago out of odds_events, a thousand rows a statement.',
    minimum: 0,
    default: 0,
  }),
  RETENTION_ARCHIVE: Type.Boolean({ description: 'true: into odds_events_archive; false: delete them.', default: true }),
};

const feeds = {
  IMPORT_MAX_BODY_BYTES: Type.Integer({
    description: 'Largest POST /api/v1/shared/events body in bytes, after decompression (50 MiB).',
    minimum: 1024,
    default: 50 * 1024 * 1024,
  }),
  IMPORT_MAX_CONCURRENT: Type.Integer({
    description: 'Imports read and written at once (each may hold IMPORT_MAX_BODY_BYTES); more get 429 with Retry-After.',
    minimum: 1,
    maximum: 64,
    default: 2,
  }),
  IMPORT_REFRESH_DELAY_SECONDS: Type.Number({
    description: 'Imports within this many seconds share one sidebar refresh.',
    minimum: 0,
    maximum: 3600,
    default: 5,
  }),
  FEED_LIVE_WINDOW_HOURS: Type.Number({
    description: 'The Odds API has no status: an event counts as live this many hours after its start.',
    exclusiveMinimum: 0,
    maximum: 168,
    default: 4,
  }),
};

/** The settings by concern, in the order the documentation lists them. */
export const settingGroups: ReadonlyArray<{ title: string; settings: Record<string, TSchema> }> = [
  { title: 'HTTP', settings: http },
  { title: 'Database', settings: database },
  { title: 'Cache', settings: cache },
  { title: 'Answers (CORS, HTTP caching, variants)', settings: answers },
  { title: 'CDN', settings: cdn },
  { title: 'Admin authentication and metrics', settings: admin },
  { title: 'Refresh', settings: refresh },
  { title: 'Pages', settings: pages },
  { title: 'Stream', settings: stream },
  { title: 'Retention', settings: retention },
  { title: 'Feed import', settings: feeds },
];

export const envSchema = Type.Object({ ...http, ...database, ...cache, ...answers, ...cdn, ...admin, ...refresh, ...pages, ...stream, ...retention, ...feeds });

export type Env = Static<typeof envSchema>;
