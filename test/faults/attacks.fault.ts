import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { asAdmin, cleanupAll, get, migratedDatabase, record, rssMb, serviceEnv, startRedis, startService, steadyLoad, summarise } from './harness.js';

/** Hostile clients against a real process: memory and the admin's access must hold. */
const sidebar = '/api/v1/shared/sidebar';
const events = '/api/v1/shared/events';

describe('attacks', () => {
  afterEach(cleanupAll);

  it('unauthenticated 49 MB uploads and compression bombs are refused before the body is read: memory stays flat, the sidebar keeps answering (defect 4)', async () => {
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

  it('anonymous refresh requests, past the failed-authentication limit, do not lock the admin out (defect 11)', async () => {
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
});
