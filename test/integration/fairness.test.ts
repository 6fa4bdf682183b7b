import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { paths } from '../../src/contract/index.js';
import { buildTestApp, listening } from '../helpers/app.js';
import { backends, useFixtureBackend } from '../helpers/backends.js';
import { openSse, type SseClient } from '../helpers/sse.js';

/**
 * One client cannot slow the sidebar for everyone: the cold budget (variants the process does
 * not keep) and the stream slots, shared between client addresses. Addresses are told apart by
 * X-Forwarded-For, as behind a load balancer (TRUST_PROXY).
 */
describe.each(backends)('fairness between clients on $name', (backend) => {
  const fixture = useFixtureBackend(backend);
  const apps: FastifyInstance[] = [];
  const clients: SseClient[] = [];

  async function serve(overrides = {}): Promise<{ app: FastifyInstance; base: string }> {
    const app = await buildTestApp(
      { db: fixture.db.db, cache: fixture.cache.cache, prefix: `${fixture.cache.prefix}:fair${apps.length}` },
      { trustProxy: true, ...overrides },
    );
    apps.push(app);
    return { app, base: await listening(app) };
  }
  afterEach(async () => {
    for (const client of clients.splice(0)) client.close();
    await Promise.all(apps.splice(0).map((app) => app.close()));
  });

  const from = (address: string) => ({ 'x-forwarded-for': address, 'accept-encoding': 'gzip' });
  /** Distinct variant URLs, each a variant the process has not built (a zone, a language, a jurisdiction, a grouping). */
  const coldUrls = Intl.supportedValuesOf('timeZone').flatMap((tz) =>
    ['es', 'de', 'pt-BR'].flatMap((lang) =>
      [null, 'FR', 'US-NJ'].map((j) => `${paths.sidebar}?window=today&tz=${tz}&lang=${lang}&group=region${j ? `&jurisdiction=${j}` : ''}`),
    ),
  );
  let next = 0;
  /** Asks for cold URLs from `address` until one is refused; the refusal (or null after `max` answers). */
  async function exhaust(base: string, address: string, max = 2000): Promise<Response | null> {
    for (let i = 0; i < max; i++) {
      const res = await fetch(`${base}${coldUrls[next++ % coldUrls.length]}`, { headers: from(address) });
      if (res.status !== 200) return res;
      await res.arrayBuffer();
    }
    return null;
  }

  // A quarter of 100 ms for one address: a single slow derivation (a loaded machine) cannot spend the process's budget too.
  it('an address past its share of the cold budget gets 429 for URLs the process does not know, before any routing; what it was answered, the plain sidebar and other addresses are served', async () => {
    const { app, base } = await serve({ coldBudgetMsPerSecond: 100 });
    const known = `${paths.sidebar}?window=live&lang=es`;
    expect((await fetch(`${base}${known}`, { headers: from('203.0.113.7') })).status).toBe(200);
    const refused = await exhaust(base, '203.0.113.7');
    expect(refused?.status).toBe(429);
    expect(refused?.headers.get('retry-after')).toMatch(/^[1-9]\d*$/);
    expect(refused?.headers.get('cache-control')).toBe('no-store');
    expect(await refused?.json()).toEqual({
      statusCode: 429,
      error: 'Too Many Requests',
      message: expect.stringMatching(/^This address asked for more uncommon sidebar variants than the service builds for one client/),
      requestId: expect.any(String),
    });
    // Before routing: while the address is over its share, a URL the route would refuse as
    // malformed (400) is refused for the budget. (Its share refills continuously, within
    // milliseconds of a refusal: exhausted again, and asked at once, up to ten times.)
    const malformed = [];
    for (let i = 0; i < 10 && malformed.at(-1) !== 429; i++) {
      await exhaust(base, '203.0.113.7');
      malformed.push((await fetch(`${base}${paths.sidebar}?window=bogus`, { headers: from('203.0.113.7') })).status);
    }
    expect(malformed.at(-1)).toBe(429);
    // What this process keeps is still served to that address.
    expect((await fetch(`${base}${known}`, { headers: from('203.0.113.7') })).status).toBe(200);
    expect((await fetch(`${base}${paths.sidebar}`, { headers: from('203.0.113.7') })).status).toBe(200);
    // Another address has its own share.
    expect((await fetch(`${base}${coldUrls[next++]}`, { headers: from('198.51.100.9') })).status).toBe(200);
    expect((await fetch(`${base}${paths.sidebar}?window=bogus`, { headers: from('198.51.100.9') })).status).toBe(400);
    const metrics = (await app.inject({ method: 'GET', url: paths.metrics })).body;
    expect(metrics).toMatch(/sidebar_cold_refusals_total\{scope="address"\} [1-9]/);
  });

  it('the route refuses too (429), for a client the hot path does not see first', async () => {
    const { app } = await serve({ coldBudgetMsPerSecond: 100 });
    let status = 200;
    for (let i = 0; i < 2000 && status === 200; i++) {
      status = (await app.inject({ method: 'GET', url: coldUrls[next++ % coldUrls.length] as string, headers: from('203.0.113.8') })).statusCode;
    }
    expect(status).toBe(429);
  });

  it('once the process has spent its cold budget, a cold variant gets 503 with Retry-After from any address; kept variants are still served', async () => {
    const { base } = await serve({ coldBudgetMsPerSecond: 10 });
    const known = `${paths.sidebar}?window=next_24h`;
    expect((await fetch(`${base}${known}`)).status).toBe(200);
    let refused: Response | null = null;
    for (let address = 1; address < 100 && refused?.status !== 503; address++) refused = await exhaust(base, `192.0.2.${address}`);
    expect(refused?.status).toBe(503);
    expect(refused?.headers.get('retry-after')).toMatch(/^[1-9]\d*$/);
    expect(((await (refused as Response).json()) as { message: string }).message).toMatch(
      /^This instance is building as many uncommon sidebar variants as it may/,
    );
    expect((await fetch(`${base}${known}`, { headers: from('192.0.2.200') })).status).toBe(200);
    expect((await fetch(`${base}${paths.sidebar}`, { headers: from('192.0.2.200') })).status).toBe(200);
  });

  describe('stream slots', () => {
    const open = async (base: string, address: string) => {
      const client = await openSse(`${base}${paths.stream}`, { 'x-forwarded-for': address });
      clients.push(client);
      if (client.status === 200) expect((await client.next()).event).toBe('sidebar');
      return client;
    };

    it('no address holds more than its share (429); when full, a newcomer takes the newest stream of the address holding the most', async () => {
      // 4 slots, at most 2 per address.
      const { app, base } = await serve({ streamMaxClients: 4, streamMaxSharePerAddress: 0.5 });
      const a = [await open(base, '203.0.113.1'), await open(base, '203.0.113.1')];
      const third = await open(base, '203.0.113.1');
      expect(third.status).toBe(429);
      expect(third.headers['retry-after']).toBe('5');
      expect(JSON.parse(third.body()).message).toMatch(/^This address holds as many streams as one address may here \(2\)/);
      const b = [await open(base, '198.51.100.1'), await open(base, '198.51.100.1')];
      expect(app.streamHub.state().clients).toBe(4);
      // Full. A newcomer from a third address gets a stream; the first address's newest ends.
      const c = await open(base, '192.0.2.1');
      expect(c.status).toBe(200);
      await a[1]?.ended;
      await vi.waitFor(() => expect(app.streamHub.state().clients).toBe(4));
      // Now the second address holds the most: the next newcomer takes its newest.
      const d = await open(base, '192.0.2.2');
      expect(d.status).toBe(200);
      await b[1]?.ended;
      // Every address holds one: nobody holds more than a newcomer would, so the next is refused.
      await vi.waitFor(() => expect(app.streamHub.state().clients).toBe(4));
      const e = await open(base, '192.0.2.3');
      expect(e.status).toBe(503);
      // The streams that stayed are untouched.
      for (const kept of [a[0], b[0], c, d]) expect(kept?.body()).not.toMatch(/event: error/);
    });
  });
});
