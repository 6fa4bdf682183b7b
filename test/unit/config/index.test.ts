import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../src/config/index.js';

describe('loadConfig', () => {
  it('has the documented defaults', () => {
    expect(loadConfig({})).toMatchObject({
      port: 3000,
      host: '0.0.0.0',
      logLevel: 'info',
      databaseUrl: undefined,
      redisUrl: undefined,
      cacheTtlSeconds: 300,
      httpCacheControl: 'public, max-age=0, s-maxage=1, stale-while-revalidate=2, stale-if-error=3600',
      refreshIntervalSeconds: 300,
      refreshAlertSeconds: 30,
      refreshRateLimitPerMinute: 10,
      migrateOnStart: true,
      schedulerEnabled: true,
    });
  });

  it('coerces numbers and booleans from strings', () => {
    const config = loadConfig({ PORT: '8080', SIDEBAR_REFRESH_ALERT_SECONDS: '0.5', SCHEDULER_ENABLED: 'false', TRUST_PROXY: 'true' });
    expect(config).toMatchObject({ port: 8080, refreshAlertSeconds: 0.5, schedulerEnabled: false, trustProxy: true });
  });

  it('reads only the environment it is given, never process.env behind it', () => {
    const saved = process.env.DATABASE_URL;
    process.env.DATABASE_URL = '';
    try {
      expect(loadConfig({ PORT: '4000' })).toMatchObject({ port: 4000, databaseUrl: undefined });
    } finally {
      if (saved === undefined) delete process.env.DATABASE_URL;
      else process.env.DATABASE_URL = saved;
    }
  });

  it('treats empty variables as unset', () => {
    expect(loadConfig({ DATABASE_URL: '', REDIS_URL: '', PORT: '' })).toMatchObject({ databaseUrl: undefined, redisUrl: undefined, port: 3000 });
  });

  it.each([
    [{ PORT: 'abc' }, /PORT must be integer \(got "abc"\)/],
    [{ PORT: '70000' }, /PORT must be <= 65535/],
    [{ SIDEBAR_CACHE_TTL_SECONDS: '0' }, /SIDEBAR_CACHE_TTL_SECONDS must be >= 1/],
    [{ LOG_LEVEL: 'loud' }, /LOG_LEVEL must be equal to one of the allowed values: fatal, error/],
    [{ DATABASE_URL: 'mysql://x' }, /DATABASE_URL must match pattern/],
    [{ SCHEDULER_ENABLED: 'maybe' }, /SCHEDULER_ENABLED must be boolean/],
  ])('rejects %j with a message naming the variable', (env, message) => {
    expect(() => loadConfig(env)).toThrow(message);
  });

  it('never echoes secrets in its errors', () => {
    expect(() => loadConfig({ ADMIN_API_KEY: 'short-secret' })).toThrow(/ADMIN_API_KEY must NOT have fewer than 16 characters \(got \(hidden\)\)/);
    expect(() => loadConfig({ ADMIN_API_KEY: 'short-secret' })).not.toThrow(/short-secret/);
    // Every secret, by its schema mark, not its name:
    for (const name of ['METRICS_TOKEN', 'SUPABASE_JWT_SECRET', 'DATABASE_URL', 'REDIS_URL']) {
      expect(() => loadConfig({ [name]: 'leaky-value' }), name).toThrow(/\(got \(hidden\)\)/);
      expect(() => loadConfig({ [name]: 'leaky-value' }), name).not.toThrow(/leaky-value/);
    }
    expect(() => loadConfig({ PORT: 'not-a-secret' })).toThrow(/"not-a-secret"/);
  });

  it('reports every bad variable in one message, as a ConfigError', () => {
    let caught: unknown;
    try {
      loadConfig({ PORT: 'abc', LOG_LEVEL: 'loud' });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    expect((caught as Error).name).toBe('ConfigError');
    expect((caught as Error).message).toMatch(/^Invalid configuration: (PORT .*; LOG_LEVEL .*|LOG_LEVEL .*; PORT .*)$/);
  });

  it('SIDEBAR_HTTP_CACHE_CONTROL is the Cache-Control of public sidebar answers, public and its directives only', () => {
    expect(loadConfig({ SIDEBAR_HTTP_CACHE_CONTROL: 'public, max-age=5, s-maxage=30' }).httpCacheControl).toBe('public, max-age=5, s-maxage=30');
    expect(loadConfig({}).httpCacheControl).toBe('public, max-age=0, s-maxage=1, stale-while-revalidate=2, stale-if-error=3600');
    for (const bad of ['private, max-age=5', 'public, max-age=5\r\nx-injected: 1', 'public; max-age=5']) {
      expect(() => loadConfig({ SIDEBAR_HTTP_CACHE_CONTROL: bad }), bad).toThrow(ConfigError);
    }
  });

  it('CORS_ORIGINS: a comma-separated list of origins, spaces and empty entries ignored; none by default; a path, a slash or no scheme is an error', () => {
    expect(loadConfig({}).corsOrigins).toEqual([]);
    expect(loadConfig({ CORS_ORIGINS: ' https://a.example ,, http://localhost:3000' }).corsOrigins).toEqual(['https://a.example', 'http://localhost:3000']);
    for (const bad of ['https://a.example/', 'https://a.example/app', 'a.example', 'not a url']) {
      expect(() => loadConfig({ CORS_ORIGINS: bad }), bad).toThrow(
        new ConfigError(`CORS_ORIGINS: "${bad}" is not an origin such as https://app.example.com (no path, no trailing slash)`),
      );
    }
    expect(loadConfig({ CORS_ADMIN: 'true' }).corsAdmin).toBe(true);
    expect(loadConfig({}).corsAdmin).toBe(false);
  });

  it('WEB_CONCURRENCY: 1 by default; a number; auto is one per core with DATABASE_URL and 1 without; above 1 without DATABASE_URL is an error', () => {
    const databaseUrl = 'postgres://db.example/sidebar';
    expect(loadConfig({}).webConcurrency).toBe(1);
    expect(loadConfig({ WEB_CONCURRENCY: '3', DATABASE_URL: databaseUrl }).webConcurrency).toBe(3);
    expect(loadConfig({ WEB_CONCURRENCY: 'auto', DATABASE_URL: databaseUrl }).webConcurrency).toBe(availableParallelism());
    expect(loadConfig({ WEB_CONCURRENCY: 'auto' }).webConcurrency).toBe(1);
    expect(loadConfig({ WEB_CONCURRENCY: '1' }).webConcurrency).toBe(1);
    expect(() => loadConfig({ WEB_CONCURRENCY: '2' })).toThrow(
      new ConfigError('WEB_CONCURRENCY=2 needs DATABASE_URL: the embedded database (PGlite) lives inside one process'),
    );
    for (const bad of ['0', 'many', '-1', '100']) expect(() => loadConfig({ WEB_CONCURRENCY: bad }), bad).toThrow(/WEB_CONCURRENCY/);
  });

  it.each([
    ['DATABASE_READ_URL', 'databaseReadUrl', 'the replica is read, the primary written'],
    ['DATABASE_MIGRATION_URL', 'databaseMigrationUrl', 'it migrates the database the service reads'],
    ['DATABASE_LISTEN_URL', 'databaseListenUrl', 'it listens to the database the service reads'],
  ] as const)("%s: a postgres URL of DATABASE_URL's database, only with DATABASE_URL; never echoed", (name, field, why) => {
    const primary = 'postgres://sidebar_app:pw@pooler.example:6543/postgres';
    const other = 'postgres://postgres:secret-pw@db.example:5432/postgres';
    expect(loadConfig({})[field]).toBeUndefined();
    expect(loadConfig({ DATABASE_URL: primary, [name]: other })[field]).toBe(other);
    expect(() => loadConfig({ [name]: other })).toThrow(new ConfigError(`${name} needs DATABASE_URL: ${why}`));
    expect(() => loadConfig({ DATABASE_URL: primary, [name]: 'mysql://root:secret-pw@x' })).toThrow(
      new ConfigError(`Invalid configuration: ${name} must match pattern "^postgres(ql)?://" (got (hidden))`),
    );
  });

  it('SUPABASE_URL: the project origin, http(s) with no path', () => {
    expect(loadConfig({}).supabaseUrl).toBeUndefined();
    expect(loadConfig({ SUPABASE_URL: 'https://abc.supabase.co' }).supabaseUrl).toBe('https://abc.supabase.co');
    expect(loadConfig({ SUPABASE_URL: 'https://abc.supabase.co/' }).supabaseUrl).toBe('https://abc.supabase.co/');
    for (const bad of ['abc.supabase.co', 'https://abc.supabase.co/auth/v1', 'ftp://abc.supabase.co', 'https://abc.supabase.co?x=1']) {
      expect(() => loadConfig({ SUPABASE_URL: bad }), bad).toThrow(/SUPABASE_URL must match pattern/);
    }
  });

  it('Redis: one server, Sentinels (host:port list and master name) or cluster nodes, never two at once', () => {
    expect(loadConfig({}).redisSentinel).toBeUndefined();
    expect(loadConfig({}).redisCluster).toBeUndefined();
    expect(loadConfig({ REDIS_SENTINELS: 's1:26379, 10.0.0.2:26380', REDIS_PASSWORD: 'pw' }).redisSentinel).toEqual({
      sentinels: [
        { host: 's1', port: 26379 },
        { host: '10.0.0.2', port: 26380 },
      ],
      master: 'mymaster',
      password: 'pw',
    });
    expect(loadConfig({ REDIS_SENTINELS: '[::1]:26379', REDIS_SENTINEL_MASTER: 'sidebar' }).redisSentinel).toEqual({
      sentinels: [{ host: '::1', port: 26379 }],
      master: 'sidebar',
      password: undefined,
    });
    expect(loadConfig({ REDIS_CLUSTER_NODES: 'n1:7000,n2:7001' }).redisCluster).toEqual({
      nodes: [
        { host: 'n1', port: 7000 },
        { host: 'n2', port: 7001 },
      ],
      password: undefined,
    });
    expect(loadConfig({ REDIS_CLUSTER_NODES: 'n1:65535,n2:1' }).redisCluster?.nodes.map((n) => n.port)).toEqual([65535, 1]);
    expect(() => loadConfig({ REDIS_SENTINELS: 's1' })).toThrow(new ConfigError('REDIS_SENTINELS: "s1" is not host:port'));
    for (const bad of ['n1', 'n1:0', 'n1:65536', ':7000', 'n1:x', 'n1:7000x', 'a b:7000', 'n1:7000:1']) {
      expect(() => loadConfig({ REDIS_CLUSTER_NODES: bad }), bad).toThrow(new ConfigError(`REDIS_CLUSTER_NODES: "${bad}" is not host:port`));
    }
    expect(() => loadConfig({ REDIS_URL: 'redis://r:6379', REDIS_CLUSTER_NODES: 'n1:7000' })).toThrow(
      new ConfigError('REDIS_URL and REDIS_CLUSTER_NODES are both set: choose one Redis (a server, Sentinels, or a cluster)'),
    );
    expect(() => loadConfig({ REDIS_SENTINELS: 's:1', REDIS_CLUSTER_NODES: 'n1:7000' })).toThrow(/REDIS_SENTINELS and REDIS_CLUSTER_NODES are both set/);
  });
});
