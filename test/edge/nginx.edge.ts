import { request } from 'node:http';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { paths } from '../../src/contract/index.js';
import { cleanupAll, migratedDatabase, refreshView, type Service, seedEvents, serviceEnv, sleep, startService, waitFor } from '../faults/harness.js';
import { startNginx } from './nginx.js';

/**
 * The sidebar behind a real cache: Debian's nginx with a stock proxy_cache configuration (see
 * nginx.ts: nothing overrides the origin's headers) in front of the built service on the
 * machine's PostgreSQL. With the default Cache-Control (public, max-age=0, s-maxage=1,
 * stale-while-revalidate=2, stale-if-error=3600) nginx must store the answer, keep one entry
 * per encoding, answer If-None-Match itself, revalidate with the origin once its copy is older
 * than a second, and serve its copy rather than a 502 while the origin is down.
 */

interface Raw {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** A GET with the given headers, the body as the bytes that came (not decoded). */
function raw(base: string, path: string, headers: Record<string, string> = {}): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const req = request(`${base}${path}`, { headers, timeout: 10_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('timeout', () => req.destroy(new Error('deadline')));
    req.on('error', reject);
    req.end();
  });
}

const decode = (answer: Raw): string => {
  const encoding = answer.headers['content-encoding'];
  if (encoding === 'br') return brotliDecompressSync(answer.body).toString();
  if (encoding === 'gzip') return gunzipSync(answer.body).toString();
  return answer.body.toString();
};
const cacheStatus = (answer: Raw) => answer.headers['x-cache-status'];
const totalGames = (answer: Raw) => (JSON.parse(decode(answer)) as { totals: { game_count: number } }).totals.game_count;
/** Just past s-maxage=1: nginx keeps expiry to the second. */
const expire = () => sleep(2100);
/**
 * Past s-maxage and stale-while-revalidate (1 + 2 s), within which nginx serves its copy on
 * errors too. nginx counts in whole seconds, so a copy stored late in one second is still within
 * the window 3.6 s later: wait a second more.
 */
const pastStaleWhileRevalidate = () => sleep(4600);

describe('a stock nginx proxy_cache in front of the service', () => {
  let database: Awaited<ReturnType<typeof migratedDatabase>>;
  let origin: Service;
  let nginx: Awaited<ReturnType<typeof startNginx>>;

  beforeAll(async () => {
    database = await migratedDatabase(300);
    origin = await startService(serviceEnv(database.directUrl, null, { SCHEDULER_ENABLED: 'false', SIDEBAR_CHANGE_POLL_MS: '0' }));
    nginx = await startNginx(origin);
  });
  afterAll(async () => {
    await nginx?.stop();
    await cleanupAll();
  });

  it('stores the answer (MISS, then HIT), one entry per encoding, each with its own bytes', async () => {
    const bodies = new Set<string>();
    for (const acceptEncoding of ['br', 'gzip', 'identity']) {
      const first = await raw(nginx.base, paths.sidebar, { 'accept-encoding': acceptEncoding });
      const second = await raw(nginx.base, paths.sidebar, { 'accept-encoding': acceptEncoding });
      expect([first.status, cacheStatus(first)]).toEqual([200, 'MISS']);
      expect([second.status, cacheStatus(second)]).toEqual([200, 'HIT']);
      expect(second.headers['content-encoding']).toBe(acceptEncoding === 'identity' ? undefined : acceptEncoding);
      expect(second.body.equals(first.body)).toBe(true);
      expect(second.headers.etag).toBe(first.headers.etag);
      bodies.add(decode(second));
    }
    expect(bodies.size).toBe(1); // three entries, one content
  });

  it('answers If-None-Match with a 304 from its copy, carrying the validators and Cache-Control', async () => {
    const stored = await raw(nginx.base, paths.sidebar, { 'accept-encoding': 'gzip' });
    const before = (await nginx.log()).length;
    const conditional = await raw(nginx.base, paths.sidebar, { 'accept-encoding': 'gzip', 'if-none-match': String(stored.headers.etag) });
    expect(conditional.status).toBe(304);
    expect(cacheStatus(conditional)).toBe('HIT');
    expect(conditional.headers.etag).toBe(stored.headers.etag);
    expect(conditional.headers['cache-control']).toBe(stored.headers['cache-control']);
    expect(conditional.body.length).toBe(0);
    expect((await nginx.log()).slice(before)).toEqual(['304 HIT "gzip" -']); // the origin was not asked
  });

  it('once its copy is older than s-maxage, revalidates with the origin: a 304 keeps it, a new version replaces it', async () => {
    const stored = await raw(nginx.base, paths.sidebar, { 'accept-encoding': 'gzip' });
    await expire();
    const kept = await raw(nginx.base, paths.sidebar, { 'accept-encoding': 'gzip' });
    expect(cacheStatus(kept)).toBe('REVALIDATED'); // the origin answered the conditional request with a 304
    expect(kept.headers.etag).toBe(stored.headers.etag);
    expect((await nginx.log()).at(-1)).toBe('200 REVALIDATED "gzip" 304');

    await seedEvents(database.direct, 7, 'nginx-new-');
    await refreshView(database.direct);
    await waitFor('the origin to serve the new version', async () => {
      const direct = await raw(origin.base, paths.sidebar);
      return direct.headers.etag !== stored.headers.etag;
    });
    await expire();
    const replaced = await raw(nginx.base, paths.sidebar, { 'accept-encoding': 'gzip' });
    expect(cacheStatus(replaced)).toBe('EXPIRED'); // fetched again: the origin answered 200
    expect(replaced.headers.etag).not.toBe(stored.headers.etag);
    expect(totalGames(replaced)).toBe(totalGames(stored) + 7);
  });

  it('measures the hit ratio of a steady audience (printed for docs/scaling.md)', async () => {
    const before = (await nginx.log()).length;
    const encodings = ['br', 'gzip', 'gzip, deflate, br', 'identity'];
    const started = Date.now();
    let sent = 0;
    // 4 s at about 200 requests a second from four kinds of client.
    while (Date.now() - started < 4000) {
      await Promise.all(encodings.map((e) => raw(nginx.base, paths.sidebar, { 'accept-encoding': e })));
      sent += encodings.length;
      await sleep(20);
    }
    const lines = (await nginx.log()).slice(before);
    const originRequests = lines.filter((line) => !line.endsWith(' -')).length;
    const hitRatio = 1 - originRequests / lines.length;
    console.log(
      `nginx hit ratio: ${(hitRatio * 100).toFixed(1)}% (${lines.length} requests in ${((Date.now() - started) / 1000).toFixed(1)} s, ${originRequests} reached the origin; s-maxage=1, 4 encodings)`,
    );
    expect(lines.length).toBe(sent);
    // At most one origin request per encoding per second (plus one per encoding at a boundary).
    expect(originRequests).toBeLessThanOrEqual(encodings.length * 6);
    expect(hitRatio).toBeGreaterThan(0.9);
  });

  it('while the origin is down, serves its copy (stale-if-error) instead of a 502; what it never stored is a 502', async () => {
    const stored = await raw(nginx.base, paths.sidebar, { 'accept-encoding': 'br' });
    await origin.kill('SIGKILL');
    await pastStaleWhileRevalidate();
    const stale = await raw(nginx.base, paths.sidebar, { 'accept-encoding': 'br' });
    expect(stale.status).toBe(200);
    expect(cacheStatus(stale)).toBe('STALE');
    expect(stale.headers.etag).toBe(stored.headers.etag);
    expect(decode(stale)).toBe(decode(stored));
    const never = await raw(nginx.base, `${paths.sidebar}?never=stored`);
    expect(never.status).toBe(502);
  });

  it("the stale copy is the origin's stale-if-error at work: without it, the same nginx answers 502", async () => {
    const strict = await startService(
      serviceEnv(database.directUrl, null, {
        SCHEDULER_ENABLED: 'false',
        SIDEBAR_CHANGE_POLL_MS: '0',
        SIDEBAR_HTTP_CACHE_CONTROL: 'public, max-age=0, s-maxage=1, stale-while-revalidate=2',
      }),
    );
    const proxy = await startNginx(strict);
    try {
      const stored = await raw(proxy.base, paths.sidebar);
      expect(stored.headers['cache-control']).toBe('public, max-age=0, s-maxage=1, stale-while-revalidate=2');
      expect(cacheStatus(await raw(proxy.base, paths.sidebar))).toBe('HIT');
      await strict.kill('SIGKILL');
      await pastStaleWhileRevalidate();
      const after = await raw(proxy.base, paths.sidebar);
      expect([after.status, cacheStatus(after)]).toEqual([502, 'EXPIRED']);
    } finally {
      await proxy.stop();
    }
  });
});
