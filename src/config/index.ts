import { availableParallelism } from 'node:os';
import { envSchema as validateEnv } from 'env-schema';
import { type Env, envSchema } from './schema.js';

/*
 * The validated Config every module receives: the Config type, the checks the schema cannot say
 * (one Redis topology, URLs that need DATABASE_URL, origins), and the mapping from variables.
 * Longer than most because it is a list of settings; their names and descriptions live in schema.ts.
 */

/** A server's address: a Sentinel, a cluster node. */
export interface HostPort {
  host: string;
  port: number;
}

/** A Sentinel-managed Redis master (REDIS_SENTINELS, REDIS_SENTINEL_MASTER, REDIS_PASSWORD). */
export interface RedisSentinel {
  sentinels: HostPort[];
  master: string;
  password?: string;
}

/** A Redis Cluster (REDIS_CLUSTER_NODES, REDIS_PASSWORD). */
export interface RedisCluster {
  nodes: HostPort[];
  password?: string;
}

/** Keys whose value may be undefined become optional: `{ a: string | undefined }` is `{ a?: string }`. */
type UnsetOptional<T> = { [K in keyof T as undefined extends T[K] ? K : never]?: Exclude<T[K], undefined> } & {
  [K in keyof T as undefined extends T[K] ? never : K]: T[K];
};

/**
 * The validated, typed configuration every module receives; nothing else reads process.env.
 * Derived from the mapping in toConfig(), itself typed by the schema: a setting is named in
 * schema.ts (with its description) and mapped once below.
 */
export type Config = UnsetOptional<ReturnType<typeof toConfig>>;

/** CORS_ORIGINS: comma-separated origins, each `scheme://host[:port]` exactly as browsers send it. */
function corsOrigins(value: string): string[] {
  const origins = value
    .split(',')
    .map((o) => o.trim())
    .filter(Boolean);
  for (const origin of origins) {
    let parsed: URL | null = null;
    try {
      parsed = new URL(origin);
    } catch {}
    if (!parsed || parsed.origin !== origin)
      throw new ConfigError(`CORS_ORIGINS: "${origin}" is not an origin such as https://app.example.com (no path, no trailing slash)`);
  }
  return origins;
}

/**
 * WEB_CONCURRENCY as a number of workers: `auto` is one per core (os.availableParallelism()).
 * The embedded database lives inside one process, so without DATABASE_URL `auto` is 1 and a
 * number above 1 is a mistake.
 */
function webConcurrency(value: string, databaseUrl: string | undefined): number {
  if (value === 'auto') return databaseUrl ? availableParallelism() : 1;
  const workers = Number(value);
  if (workers > 1 && !databaseUrl)
    throw new ConfigError(`WEB_CONCURRENCY=${value} needs DATABASE_URL: the embedded database (PGlite) lives inside one process`);
  return workers;
}

/** REDIS_SENTINELS / REDIS_CLUSTER_NODES: `host:port` entries, comma-separated. */
function hostPorts(name: string, value: string): HostPort[] {
  return value
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean)
    .map((entry) => {
      const match = /^([^\s:]+|\[[0-9a-fA-F:]+\]):(\d{1,5})$/.exec(entry);
      const port = Number(match?.[2]);
      if (!match || port < 1 || port > 65535) throw new ConfigError(`${name}: "${entry}" is not host:port`);
      const host = match[1] as string;
      return { host: host.startsWith('[') ? host.slice(1, -1) : host, port };
    });
}

/** At most one Redis topology: one server (REDIS_URL), Sentinels, or a cluster. */
function redisTopology(e: Env): { redisSentinel?: RedisSentinel; redisCluster?: RedisCluster } {
  const sentinels = hostPorts('REDIS_SENTINELS', e.REDIS_SENTINELS);
  const nodes = hostPorts('REDIS_CLUSTER_NODES', e.REDIS_CLUSTER_NODES);
  const chosen = [e.REDIS_URL && 'REDIS_URL', sentinels.length && 'REDIS_SENTINELS', nodes.length && 'REDIS_CLUSTER_NODES'].filter(Boolean);
  if (chosen.length > 1) throw new ConfigError(`${chosen.join(' and ')} are both set: choose one Redis (a server, Sentinels, or a cluster)`);
  return {
    ...(sentinels.length ? { redisSentinel: { sentinels, master: e.REDIS_SENTINEL_MASTER, password: e.REDIS_PASSWORD } } : {}),
    ...(nodes.length ? { redisCluster: { nodes, password: e.REDIS_PASSWORD } } : {}),
  };
}

/** A URL of DATABASE_URL's database (its replica, its owner's connection): meaningless without it; `why` says how they relate. */
function besideDatabaseUrl(name: string, value: string | undefined, databaseUrl: string | undefined, why: string): string | undefined {
  if (value && !databaseUrl) throw new ConfigError(`${name} needs DATABASE_URL: ${why}`);
  return value;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Empty strings mean "unset": `.env` files and orchestrators often write `NAME=`. */
function dropEmpty(env: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    if (value) out[key] = value;
  }
  return out;
}

/** Variables the schema marks writeOnly: their values are never echoed. */
function secretNames(): Set<string> {
  const properties = Object.entries(envSchema.properties as Record<string, { writeOnly?: boolean }>);
  return new Set(properties.filter(([, property]) => property.writeOnly === true).map(([name]) => name));
}

interface ValidationIssue {
  /** "/PORT": every variable is a top-level property, and every one has a default (none is "missing"). */
  instancePath: string;
  message?: string;
  params: Record<string, unknown>;
}

/** Turns ajv's "/PORT must be <= 65535" into a message that names the variable and its value. */
function describeErrors(error: unknown, env: Record<string, string>): string {
  const issues = (error as { errors?: ValidationIssue[] }).errors;
  // Stryker disable next-line ConditionalExpression,OptionalChaining: env-schema throws only ajv's validation errors here; this is for anything else it might throw one day.
  if (!issues?.length) return (error as Error).message;
  const secrets = secretNames();
  return issues
    .map((e) => {
      const name = e.instancePath.slice(1);
      const shown = secrets.has(name) ? '(hidden)' : JSON.stringify(env[name]);
      const allowed = Array.isArray(e.params.allowedValues) ? `: ${e.params.allowedValues.join(', ')}` : '';
      return `${name} ${e.message}${allowed} (got ${shown})`;
    })
    .join('; ');
}

/** The settings as the modules name them, from the validated variables, with the checks the schema cannot say. */
function toConfig(e: Env) {
  return {
    port: e.PORT,
    host: e.HOST,
    logLevel: e.LOG_LEVEL,
    trustProxy: e.TRUST_PROXY,
    shutdownGraceMs: e.SHUTDOWN_GRACE_MS,
    webConcurrency: webConcurrency(e.WEB_CONCURRENCY, e.DATABASE_URL),
    requestTimeoutMs: e.HTTP_REQUEST_TIMEOUT_MS,
    databaseUrl: e.DATABASE_URL,
    databaseReadUrl: besideDatabaseUrl('DATABASE_READ_URL', e.DATABASE_READ_URL, e.DATABASE_URL, 'the replica is read, the primary written'),
    databaseMigrationUrl: besideDatabaseUrl('DATABASE_MIGRATION_URL', e.DATABASE_MIGRATION_URL, e.DATABASE_URL, 'it migrates the database the service reads'),
    databaseListenUrl: besideDatabaseUrl('DATABASE_LISTEN_URL', e.DATABASE_LISTEN_URL, e.DATABASE_URL, 'it listens to the database the service reads'),
    databasePoolMax: e.DATABASE_POOL_MAX,
    databaseQueryTimeoutMs: e.DATABASE_QUERY_TIMEOUT_MS,
    databaseRefreshTimeoutMs: e.DATABASE_REFRESH_TIMEOUT_MS,
    pgliteDataDir: e.PGLITE_DATA_DIR,
    migrateOnStart: e.MIGRATE_ON_START,
    seedDemoData: e.SEED_DEMO_DATA,
    redisUrl: e.REDIS_URL,
    ...redisTopology(e),
    redisTimeoutMs: e.REDIS_TIMEOUT_MS,
    cacheKeyPrefix: e.CACHE_KEY_PREFIX,
    cacheTtlSeconds: e.SIDEBAR_CACHE_TTL_SECONDS,
    corsOrigins: corsOrigins(e.CORS_ORIGINS),
    corsAdmin: e.CORS_ADMIN,
    httpCacheControl: e.SIDEBAR_HTTP_CACHE_CONTROL,
    variantsMax: e.SIDEBAR_VARIANTS_MAX,
    coldBudgetMsPerSecond: e.SIDEBAR_COLD_BUDGET_MS_PER_SECOND,
    defaultLanguage: e.SIDEBAR_DEFAULT_LANGUAGE,
    cdnSurrogateKey: e.CDN_SURROGATE_KEY,
    cdnPurgeUrl: e.CDN_PURGE_URL,
    cdnPurgeToken: e.CDN_PURGE_TOKEN,
    cdnPurgeTokenHeader: e.CDN_PURGE_TOKEN_HEADER,
    cdnPurgeTimeoutMs: e.CDN_PURGE_TIMEOUT_MS,
    fallbackCacheTtlSeconds: e.SIDEBAR_FALLBACK_CACHE_TTL_SECONDS,
    versionPollMs: e.SIDEBAR_VERSION_POLL_MS,
    adminApiKey: e.ADMIN_API_KEY,
    supabaseUrl: e.SUPABASE_URL,
    supabaseJwtSecret: e.SUPABASE_JWT_SECRET,
    adminJwtMaxAgeSeconds: e.ADMIN_JWT_MAX_AGE_SECONDS,
    adminAuthFailuresPerMinute: e.ADMIN_AUTH_FAILURES_PER_MINUTE,
    metricsToken: e.METRICS_TOKEN,
    schedulerEnabled: e.SCHEDULER_ENABLED,
    refreshIntervalSeconds: e.SIDEBAR_REFRESH_INTERVAL_SECONDS,
    refreshAlertSeconds: e.SIDEBAR_REFRESH_ALERT_SECONDS,
    refreshRateLimitPerMinute: e.SIDEBAR_REFRESH_RATE_LIMIT,
    changePollMs: e.SIDEBAR_CHANGE_POLL_MS,
    changeMinGapMs: e.SIDEBAR_CHANGE_MIN_GAP_MS,
    wakeups: e.SIDEBAR_WAKEUPS,
    webPagesEnabled: e.WEB_PAGES_ENABLED,
    streamMaxClients: e.STREAM_MAX_CLIENTS,
    streamMaxSharePerAddress: e.STREAM_MAX_SHARE_PER_ADDRESS,
    retentionDays: e.RETENTION_DAYS,
    retentionArchive: e.RETENTION_ARCHIVE,
    importMaxBodyBytes: e.IMPORT_MAX_BODY_BYTES,
    importMaxConcurrent: e.IMPORT_MAX_CONCURRENT,
    importRefreshDelaySeconds: e.IMPORT_REFRESH_DELAY_SECONDS,
    feedLiveWindowHours: e.FEED_LIVE_WINDOW_HOURS,
  };
}

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const cleaned = dropEmpty(env);
  let e: Env;
  try {
    e = validateEnv<Env>({
      schema: envSchema,
      data: cleaned,
      // The CLI reads ./.env itself (process.loadEnvFile) before it builds the environment it passes here.
      // Stryker disable next-line BooleanLiteral: dotenv: true would read ./.env into process.env again, which never overrides what is set; a test would have to change directory, which Stryker's worker threads forbid.
      dotenv: false,
      // Validate exactly what we were given (env-schema would otherwise merge process.env back in, empty values and all).
      env: false,
    });
  } catch (error) {
    throw new ConfigError(`Invalid configuration: ${describeErrors(error, cleaned)}`);
  }
  return toConfig(e);
}
