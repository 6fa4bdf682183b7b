import { type Static, Type } from '@sinclair/typebox';
import { languageTagPattern } from '../contract/sidebar.js';

export const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof logLevels)[number];

/**
 * Marks a variable whose value must never be echoed (in errors or logs): JSON Schema's
 * writeOnly annotation, which validators know and ignore.
 */
const secret = { writeOnly: true } as const;

/**
 * Every environment variable the service reads, with its type, bounds and default.
 * The same schema documents `.env.example` and is the only place that knows variable names.
 */
export const envSchema = Type.Object({
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 3000 }),
  HOST: Type.String({ minLength: 1, default: '0.0.0.0' }),
  LOG_LEVEL: Type.Unsafe<LogLevel>({ type: 'string', enum: [...logLevels], default: 'info' }),
  TRUST_PROXY: Type.Boolean({ default: false }),
  HTTP_REQUEST_TIMEOUT_MS: Type.Integer({ minimum: 1000, maximum: 3600000, default: 60000 }),
  SHUTDOWN_GRACE_MS: Type.Integer({ minimum: 0, default: 10000 }),
  // Worker processes (node:cluster): a number, or auto (one per core).
  WEB_CONCURRENCY: Type.String({ pattern: '^(auto|[1-9][0-9]?)$', default: '1' }),

  DATABASE_URL: Type.Optional(Type.String({ pattern: '^postgres(ql)?://', ...secret })),
  // A streaming replica for the sidebar's reads (refreshes, the refresh log and imports stay on DATABASE_URL).
  DATABASE_READ_URL: Type.Optional(Type.String({ pattern: '^postgres(ql)?://', ...secret })),
  // The owner's session connection for migrations, when DATABASE_URL is a runtime role (Supabase: the direct or session-pooler URL).
  DATABASE_MIGRATION_URL: Type.Optional(Type.String({ pattern: '^postgres(ql)?://', ...secret })),
  DATABASE_POOL_MAX: Type.Integer({ minimum: 1, maximum: 1000, default: 10 }),
  DATABASE_QUERY_TIMEOUT_MS: Type.Integer({ minimum: 100, maximum: 600000, default: 5000 }),
  DATABASE_REFRESH_TIMEOUT_MS: Type.Integer({ minimum: 1000, maximum: 3600000, default: 120000 }),
  PGLITE_DATA_DIR: Type.String({ minLength: 1, default: './data/pglite' }),
  MIGRATE_ON_START: Type.Boolean({ default: true }),
  SEED_DEMO_DATA: Type.Boolean({ default: true }),

  REDIS_URL: Type.Optional(Type.String({ pattern: '^rediss?://', ...secret })),
  // Instead of REDIS_URL: Sentinels (host:port,…) and the master's name, or a Redis Cluster's nodes (host:port,…).
  REDIS_SENTINELS: Type.String({ default: '' }),
  REDIS_SENTINEL_MASTER: Type.String({ minLength: 1, default: 'mymaster' }),
  REDIS_CLUSTER_NODES: Type.String({ default: '' }),
  // The password of a Sentinel-managed master or of the cluster's nodes (REDIS_URL carries its own).
  REDIS_PASSWORD: Type.Optional(Type.String({ minLength: 1, ...secret })),
  REDIS_TIMEOUT_MS: Type.Integer({ minimum: 10, maximum: 60000, default: 500 }),
  CACHE_KEY_PREFIX: Type.String({ minLength: 1, default: 'sidebar' }),
  SIDEBAR_CACHE_TTL_SECONDS: Type.Integer({ minimum: 1, default: 300 }),
  SIDEBAR_FALLBACK_CACHE_TTL_SECONDS: Type.Integer({ minimum: 1, default: 30 }),
  SIDEBAR_VERSION_POLL_MS: Type.Integer({ minimum: 0, maximum: 60000, default: 250 }),
  // Browser pages on these origins may read the API (comma-separated `scheme://host[:port]`).
  CORS_ORIGINS: Type.String({ default: '' }),
  CORS_ADMIN: Type.Boolean({ default: false }),
  // Cache-Control of the public sidebar answers (browsers, CDNs and proxies).
  SIDEBAR_HTTP_MAX_AGE_SECONDS: Type.Integer({ minimum: 0, maximum: 86400, default: 0 }),
  SIDEBAR_HTTP_S_MAXAGE_SECONDS: Type.Integer({ minimum: 0, maximum: 86400, default: 1 }),
  SIDEBAR_HTTP_STALE_WHILE_REVALIDATE_SECONDS: Type.Integer({ minimum: 0, maximum: 86400, default: 2 }),
  SIDEBAR_HTTP_STALE_IF_ERROR_SECONDS: Type.Integer({ minimum: 0, maximum: 604800, default: 3600 }),
  // Sidebar variants (window=…) kept pre-built per process; the least recently used are dropped beyond it.
  SIDEBAR_VARIANTS_MAX: Type.Integer({ minimum: 1, maximum: 100000, default: 256 }),
  // Milliseconds per second of CPU this process may spend on variants it does not keep (a quarter of it per client address).
  SIDEBAR_COLD_BUDGET_MS_PER_SECOND: Type.Integer({ minimum: 10, maximum: 1000, default: 200 }),
  // The language of the default names (the feeds'): Content-Language of answers without a translation.
  SIDEBAR_DEFAULT_LANGUAGE: Type.String({ pattern: languageTagPattern, default: 'en' }),
  // The tag CDNs purge the sidebar by (sent as Surrogate-Key and Cache-Tag; variants add tags of their own).
  CDN_SURROGATE_KEY: Type.String({ pattern: '^[A-Za-z0-9._-]+$', maxLength: 128, default: 'sidebar' }),
  // When set, POSTed after each new version this instance makes ({key}: the surrogate key).
  CDN_PURGE_URL: Type.Optional(Type.String({ pattern: '^https?://' })),
  CDN_PURGE_TOKEN: Type.Optional(Type.String({ minLength: 1, ...secret })),
  CDN_PURGE_TOKEN_HEADER: Type.String({ pattern: '^[A-Za-z0-9-]+$', default: 'authorization' }),
  CDN_PURGE_TIMEOUT_MS: Type.Integer({ minimum: 100, maximum: 60000, default: 5000 }),

  ADMIN_API_KEY: Type.Optional(Type.String({ minLength: 16, ...secret })),
  // The Supabase project (https://<ref>.supabase.co): admin JWTs verified against its published keys, issuer and audience checked.
  SUPABASE_URL: Type.Optional(Type.String({ pattern: '^https?://[^/?#]+/?$' })),
  SUPABASE_JWT_SECRET: Type.Optional(Type.String({ minLength: 32, ...secret })),
  ADMIN_JWT_MAX_AGE_SECONDS: Type.Optional(Type.Integer({ minimum: 60 })),
  ADMIN_AUTH_FAILURES_PER_MINUTE: Type.Integer({ minimum: 1, default: 30 }),

  METRICS_TOKEN: Type.Optional(Type.String({ minLength: 16, ...secret })),

  SCHEDULER_ENABLED: Type.Boolean({ default: true }),
  SIDEBAR_REFRESH_INTERVAL_SECONDS: Type.Integer({ minimum: 1, maximum: 86400, default: 300 }),
  SIDEBAR_REFRESH_ALERT_SECONDS: Type.Number({ minimum: 0, default: 30 }),
  SIDEBAR_REFRESH_RATE_LIMIT: Type.Integer({ minimum: 1, default: 10 }),
  SIDEBAR_CHANGE_POLL_MS: Type.Integer({ minimum: 0, maximum: 60000, default: 250 }),
  SIDEBAR_CHANGE_MIN_GAP_MS: Type.Integer({ minimum: 100, maximum: 3600000, default: 500 }),
  WEB_PAGES_ENABLED: Type.Boolean({ default: true }),
  STREAM_MAX_CLIENTS: Type.Integer({ minimum: 0, maximum: 1000000, default: 10000 }),
  // The share of STREAM_MAX_CLIENTS one client address may hold (by default a tenth: 1,000 streams, room for a carrier-grade NAT).
  STREAM_MAX_SHARE_PER_ADDRESS: Type.Number({ exclusiveMinimum: 0, maximum: 1, default: 0.1 }),

  RETENTION_DAYS: Type.Integer({ minimum: 0, default: 0 }),
  RETENTION_ARCHIVE: Type.Boolean({ default: true }),
  RETENTION_BATCH_SIZE: Type.Integer({ minimum: 1, maximum: 100000, default: 1000 }),

  IMPORT_MAX_BODY_BYTES: Type.Integer({ minimum: 1024, default: 50 * 1024 * 1024 }),
  IMPORT_MAX_CONCURRENT: Type.Integer({ minimum: 1, maximum: 64, default: 2 }),
  IMPORT_REFRESH_DELAY_SECONDS: Type.Number({ minimum: 0, maximum: 3600, default: 5 }),
  FEED_LIVE_WINDOW_HOURS: Type.Number({ exclusiveMinimum: 0, maximum: 168, default: 4 }),
});

export type Env = Static<typeof envSchema>;
