import { once } from 'node:events';
import { connect } from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { asAdmin, cleanupAll, get, migratedDatabase, record, rssMb, serviceEnv, startRedis, startService, steadyLoad, summarise } from './harness.js';

/** Hostile clients against a real process: memory and the admin's access must hold. */
const sidebar = '/api/v1/shared/sidebar';
const events = '/api/v1/shared/events';

describe('attacks', () => {
  afterEach(cleanupAll);

  it('unauthenticated 49 MB uploads and compression bombs are refused before the body is read: memory stays flat, the sidebar keeps answering', async () => {
    const database = await migratedDatabase();
    const redis = await startRedis();
    const service = await startService(serviceEnv((await database.proxy()).url, redis.url, { SCHEDULER_ENABLED: 'false' }));
    await get(service, sidebar);
    const rssBefore = rssMb(service.pid);
    const load = steadyLoad([service], 100);
    const from = load.now();
    const upload = Buffer.alloc(49 * 1024 * 1024, 0x20);
    const bomb = gzipSync(Buffer.alloc(49 * 1024 * 1024, 0x20)); // ~50 KB that inflates to 49 MB
    const json = { 'content-type': 'application/json' };
    const answers = await Promise.all([
      ...Array.from({ length: 8 }, () => get(service, events, { method: 'POST', headers: json, body: upload, timeoutMs: 30_000 })),
      ...Array.from({ length: 10 }, () =>
        get(service, events, { method: 'POST', headers: { ...json, 'content-encoding': 'gzip' }, body: bomb, timeoutMs: 30_000 }),
      ),
    ]);
    const to = load.now();
    const rssAfter = rssMb(service.pid);
    // 401, or the connection closed by the server while the client was still sending (status 0): never a 2xx or 5xx.
    for (const a of answers) expect([0, 401]).toContain(a.status);
    const report = summarise(
      'unauthenticated uploads and compression bombs',
      await load.stop(),
      { from, to },
      null,
      `RSS ${rssBefore} MB before, ${rssAfter} MB after 8 × 49 MB uploads and 10 bombs`,
    );
    expect(report.failed).toBe(0);
    expect(rssAfter - rssBefore).toBeLessThan(60);
  });

  it('anonymous refresh requests, past the failed-authentication limit, do not lock the admin out', async () => {
    const database = await migratedDatabase();
    const service = await startService(serviceEnv((await database.proxy()).url, null, { SCHEDULER_ENABLED: 'false', SIDEBAR_REFRESH_RATE_LIMIT: '3' }));
    // Past both limits: the refresh allowance (3) and failed authentications per address (ADMIN_AUTH_FAILURES_PER_MINUTE, 30).
    const anonymous = await Promise.all(Array.from({ length: 40 }, () => get(service, `${sidebar}/refresh`, { method: 'POST' })));
    const unauthorized = anonymous.filter((a) => a.status === 401).length;
    const limited = anonymous.filter((a) => a.status === 429).length;
    expect(unauthorized + limited).toBe(40);
    expect(limited).toBeGreaterThan(0);
    const admin = await get(service, `${sidebar}/refresh`, { method: 'POST', headers: asAdmin });
    expect(admin.status).toBe(200);
    record({
      scenario: 'anonymous refresh flood',
      requests: 41,
      failed: 0,
      p99_ms_during_fault: Math.round(admin.ms),
      max_ms_during_fault: Math.round(admin.ms),
      stale_answers: 0,
      recovery_ms: null,
      notes: `40 anonymous requests: ${unauthorized} answered 401, ${limited} 429 (failed-authentication limit); the admin still refreshes`,
    });
  });

  it('hostile imports and data against a real process: bad records rejected one by one, a bloated feed bounded, a slow upload cut', async () => {
    const database = await migratedDatabase();
    const service = await startService(serviceEnv((await database.proxy()).url, null, { SCHEDULER_ENABLED: 'false', HTTP_REQUEST_TIMEOUT_MS: '2000' }));
    const json = { ...asAdmin, 'content-type': 'application/json' };
    const post = (body: string) => get(service, events, { method: 'POST', headers: json, body: Buffer.from(body), timeoutMs: 30_000 });
    const event = (id: string, fields: Record<string, unknown> = {}) => ({
      id,
      sport_key: 'basketball_nba',
      sport_title: 'NBA',
      commence_time: new Date(Date.now() + 3600_000).toISOString(),
      home_team: 'A',
      away_team: 'B',
      ...fields,
    });

    // One bad record is rejected, its neighbours written; nothing recognisable is a 422.
    const nul = JSON.parse((await post(JSON.stringify([event('ok-1'), event('nul-1', { home_team: 'A\u0000B' })]))).body);
    expect(nul).toMatchObject({ inserted: 1, rejected: 1 });
    const far = JSON.parse((await post(JSON.stringify([event('ok-2'), event('far-1', { commence_time: 1e20 })]))).body);
    expect(far).toMatchObject({ inserted: 1, rejected: 1 });
    const deep = await post(`${'['.repeat(3000)}${']'.repeat(3000)}`);
    expect(deep.status).toBe(422);
    expect(JSON.parse(deep.body).message).toMatch(/nested deeper than 64 levels/);
    expect((await post('{}')).status).toBe(422);

    // 10 KB names and 2,000 leagues in one sport.
    const bloat = Array.from({ length: 2000 }, (_, i) => event(`bloat-${i}`, { sport_key: `soccer_league${i}`, sport_title: 'X'.repeat(10_000) }));
    expect((await post(JSON.stringify(bloat))).status).toBe(200);
    // The import's own (coalesced) refresh, or the change poll's, may hold the refresh lock: a 409
    // (skipped) says so, and a later call runs. Bounded, and under the admins' refresh rate limit.
    let refreshed = 409;
    for (let i = 0; i < 6 && refreshed === 409; i++) {
      if (i > 0) await new Promise((resolve) => setTimeout(resolve, 500));
      refreshed = (await get(service, `${sidebar}/refresh`, { method: 'POST', headers: asAdmin })).status;
    }
    expect(refreshed).toBe(200);
    const answer = await get(service, sidebar);
    const body = JSON.parse(answer.body) as { sports: Array<{ sport_id: string; truncated?: boolean; leagues: Array<{ league: string }> }> };
    const soccer = body.sports.find((s) => s.sport_id === 'soccer');
    expect(soccer?.leagues.length).toBe(100);
    expect(soccer?.truncated).toBe(true);
    expect(Math.max(...(soccer?.leagues.map((l) => l.league.length) ?? [0]))).toBeLessThanOrEqual(100);
    expect(answer.body.length).toBeLessThan(64 * 1024);

    // A slow upload holds its connection for HTTP_REQUEST_TIMEOUT_MS, not 300 s.
    const socket = connect(service.port, '127.0.0.1');
    const started = performance.now();
    let reply = '';
    socket.on('data', (chunk) => {
      reply += chunk.toString();
    });
    socket.on('error', () => {});
    socket.write(
      `POST ${events} HTTP/1.1\r\nhost: x\r\nauthorization: ${asAdmin.authorization}\r\ncontent-type: application/json\r\ncontent-length: 1000000\r\n\r\n[`,
    );
    await once(socket, 'close');
    const cutAfter = performance.now() - started;
    expect(reply).toMatch(/^HTTP\/1.1 408/);
    expect(cutAfter).toBeLessThan(5000);
    expect((await get(service, '/health')).status).toBe(200);
    record({
      scenario: 'hostile imports and data',
      requests: 9,
      failed: 0,
      p99_ms_during_fault: Math.round(answer.ms),
      max_ms_during_fault: Math.round(answer.ms),
      stale_answers: 0,
      recovery_ms: null,
      notes: `NUL and 1e20 records rejected alone; 3,000-deep nesting alone 422, naming it; {} 422; 2,000 leagues of 10 KB names: sidebar ${Math.round(answer.body.length / 1024)} KB, 100 leagues, truncated; slow upload cut with 408 after ${Math.round(cutAfter)} ms`,
    });
  });
});
