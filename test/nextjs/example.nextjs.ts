/// <reference lib="dom" />
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import type { Sidebar } from '@sportsbook/sidebar-client';
import type { FastifyInstance } from 'fastify';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { paths } from '../../src/contract/index.js';
import { insertEventBySql, loadFixtures } from '../fixtures/events.js';
import { buildTestApp, listening } from '../helpers/app.js';
import { backends, type TestCache, type TestDb } from '../helpers/backends.js';
import { freePort } from '../helpers/free-port.js';
import { stopChild } from '../helpers/processes.js';

/**
 * The Next.js example application (examples/nextjs), built with `next build` and run with `next
 * start` against the service (in this process, on the real PostgreSQL and Redis when
 * configured), in headless Chromium. What a page load costs is counted in the page: its fetch is
 * wrapped (before any script of the page runs) to count the full sidebars that arrive (GET
 * bodies and the stream's `sidebar` events), the deltas, and each stream's Last-Event-ID.
 */
const backend = backends[backends.length - 1] as (typeof backends)[number];
const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const example = join(import.meta.dirname, '../../examples/nextjs');

interface Wire {
  gets: number;
  full: number;
  deltas: number;
  /** Bytes of sidebar data received (GET bodies and stream data, decoded). */
  bytes: number;
  streams: { lastEventId: string | null; open: boolean }[];
}

/** Runs in the page before its scripts: counts what the sidebar costs on the wire. */
function countSidebarTraffic() {
  const wire: Wire = { gets: 0, full: 0, deltas: 0, bytes: 0, streams: [] };
  (window as unknown as { wire: Wire }).wire = wire;
  const original = window.fetch.bind(window);
  window.fetch = async (input, init) => {
    const url = String(input instanceof Request ? input.url : input);
    const response = await original(input, init);
    if (!url.includes('/api/v1/shared/sidebar')) return response;
    if (!url.includes('/stream')) {
      if (response.status === 200) {
        wire.gets++;
        wire.full++;
        void response
          .clone()
          .arrayBuffer()
          .then((body) => {
            wire.bytes += body.byteLength;
          });
      }
      return response;
    }
    const stream = { lastEventId: new Headers(init?.headers).get('last-event-id'), open: true };
    wire.streams.push(stream);
    if (!response.body) return response;
    const [mine, theirs] = response.body.tee();
    void (async () => {
      const reader = theirs.getReader();
      const decoder = new TextDecoder();
      let buffer = '';
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          wire.bytes += value.byteLength;
          buffer += decoder.decode(value, { stream: true });
          for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
            const frame = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            if (/^event: sidebar$/m.test(frame)) wire.full++;
            else if (/^event: delta$/m.test(frame)) wire.deltas++;
          }
        }
      } catch {
        // aborted by the page (hidden, unmounted): the stream is closed
      } finally {
        stream.open = false;
      }
    })();
    return new Response(mine, { status: response.status, statusText: response.statusText, headers: response.headers });
  };
}

describe(`the Next.js example in Chromium, on ${backend.name}`, () => {
  let testDb: TestDb;
  let cache: TestCache;
  let app: FastifyInstance;
  let api: string;
  let site: string;
  let next: ChildProcess | null = null;
  let browser: Browser;
  let events = 0;
  const nextLog: string[] = [];

  const run = (args: string[], env: Record<string, string>) =>
    spawn(process.execPath, [join(example, 'node_modules/next/dist/bin/next'), ...args], {
      cwd: example,
      env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });

  beforeAll(async () => {
    testDb = await backend.createDb();
    cache = await backend.createCache();
    await loadFixtures(testDb.db);
    await testDb.db.query(`select refresh_sidebar_data('startup')`);
    const port = await freePort();
    site = `http://127.0.0.1:${port}`;
    // The service as deployed: changes written in SQL refreshed within a quarter second, the page's origin allowed.
    app = await buildTestApp({ db: testDb.db, cache: cache.cache, prefix: cache.prefix }, { corsOrigins: [site], changePollMs: 100 });
    api = await listening(app);
    const env = { NEXT_PUBLIC_SIDEBAR_API_URL: api, SIDEBAR_API_URL: api };

    const build = run(['build'], env);
    for (const out of [build.stdout, build.stderr]) out?.on('data', (chunk: Buffer) => nextLog.push(chunk.toString()));
    const code = await new Promise<number | null>((resolve) => build.on('exit', resolve));
    if (code !== 0) throw new Error(`next build exited ${code}:\n${nextLog.join('')}`);

    next = run(['start', '-p', String(port), '-H', '127.0.0.1'], env);
    for (const out of [next.stdout, next.stderr]) out?.on('data', (chunk: Buffer) => nextLog.push(chunk.toString()));
    await vi.waitFor(async () => expect((await fetch(site).catch(() => null))?.status).toBe(200), { timeout: 30_000, interval: 200 });
    browser = await chromium.launch({
      executablePath: chromiumPath,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    if (next) await stopChild(next);
    await app?.close();
    await cache?.cleanup();
    await testDb?.drop();
  });

  const current = async () => (await app.inject({ method: 'GET', url: paths.sidebar })).json<Sidebar>();
  const wire = (page: Page) => page.evaluate(() => (window as unknown as { wire: Wire }).wire);
  const open = async (path = '/') => {
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warning') problems.push(message.text());
    });
    page.on('pageerror', (err) => problems.push(err.message));
    page.on('requestfailed', (request) => problems.push(`${request.method()} ${request.url()}: ${request.failure()?.errorText}`));
    await page.addInitScript(countSidebarTraffic);
    await page.goto(`${site}${path}`);
    // Hydrated and live: the stream is open.
    await expect
      .poll(async () => (await wire(page)).streams.filter((s) => s.open).length, { timeout: 10_000, message: `the page's errors: ${problems.join('\n')}` })
      .toBe(1);
    return page;
  };
  /** Every sport of a page with its counts, read from the DOM. */
  const sportsShown = (page: Page, scope = '') =>
    page.locator(`${scope} .sbs-sport`).evaluateAll((sports) =>
      sports.map((sport) => ({
        sport_id: sport.getAttribute('data-sport-id'),
        game_count: Number(sport.querySelector('.sbs-sport-button .sbs-count')?.textContent),
        live_game_count: Number(sport.querySelector('.sbs-sport-button .sbs-live')?.textContent ?? 0),
      })),
    );
  const sportsOf = (body: Sidebar) => body.sports.map((s) => ({ sport_id: s.sport_id, game_count: s.game_count, live_game_count: s.live_game_count }));

  it('the HTML, before any script runs, lists every sport and count the API returns', async () => {
    const context = await browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    await page.goto(site);
    const body = await current();
    expect(body.sports.length).toBeGreaterThan(3);
    expect(await sportsShown(page)).toEqual(sportsOf(body));
    await context.close();
  });

  it('after hydration no second full sidebar crosses the network: the stream opens from the server-rendered version', async () => {
    const page = await open();
    await page.waitForTimeout(500);
    const seen = await wire(page);
    const { version } = await current();
    const html = await (await fetch(site)).text();
    const sidebarBytes = (await app.inject({ method: 'GET', url: paths.sidebar })).rawPayload.length;
    process.stdout.write(
      `nextjs: a page load after hydration: ${seen.full} full sidebars, ${seen.bytes} bytes of sidebar data, ${seen.streams.length} stream; the HTML ${html.length} bytes; one full sidebar ${sidebarBytes} bytes\n`,
    );
    expect(seen).toEqual({ gets: 0, full: 0, deltas: 0, bytes: expect.any(Number), streams: [{ lastEventId: String(version), open: true }] });
    // The stream's first bytes (its retry line) only: no sidebar.
    expect(seen.bytes).toBeLessThan(100);
    expect(await sportsShown(page)).toEqual(sportsOf(await current()));
    await page.close();
  });

  it('a page with two sidebars holds one stream', async () => {
    const page = await open('/two');
    await page.waitForTimeout(500);
    expect((await wire(page)).streams).toHaveLength(1);
    expect(await sportsShown(page, '.desktop')).toEqual(await sportsShown(page, '.drawer'));
    await page.close();
  });

  it('a change written in SQL appears without a reload, as one delta', async () => {
    const page = await open();
    await page.evaluate(() => {
      (window as unknown as { marker: number }).marker = 42;
    });
    const before = await current();
    await insertEventBySql(testDb.db, `nextjs-${++events}`, { league: 'nextjs-league', status: 'live' });
    await expect.poll(async () => (await current()).totals.game_count, { timeout: 10_000 }).toBe(before.totals.game_count + 1);
    await expect.poll(async () => sportsShown(page), { timeout: 10_000 }).toEqual(sportsOf(await current()));
    const seen = await wire(page);
    expect(seen.full).toBe(0);
    expect(seen.deltas).toBeGreaterThanOrEqual(1);
    expect(await page.evaluate(() => (window as unknown as { marker: number }).marker)).toBe(42);
    await page.close();
  });

  it('hiding the tab closes the stream, nothing is fetched while hidden, and showing it resumes with at most one delta', async () => {
    const page = await open();
    const setVisibility = (visibility: 'visible' | 'hidden') =>
      page.evaluate((state) => {
        // What the browser does when the tab is hidden or shown (headless Chromium has no tabs to switch).
        Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => state });
        document.dispatchEvent(new Event('visibilitychange'));
      }, visibility);
    const { version } = await current();
    await setVisibility('hidden');
    await expect.poll(async () => (await wire(page)).streams.filter((s) => s.open).length, { timeout: 5000 }).toBe(0);
    const hiddenAt = await wire(page);

    // A change while hidden: nothing crosses the network until the tab is shown.
    const before = await current();
    await insertEventBySql(testDb.db, `nextjs-${++events}`, { league: 'nextjs-hidden', status: 'live' });
    await expect.poll(async () => (await current()).totals.game_count, { timeout: 10_000 }).toBe(before.totals.game_count + 1);
    await page.waitForTimeout(500);
    expect(await wire(page)).toEqual(hiddenAt);

    await setVisibility('visible');
    await expect.poll(async () => sportsShown(page), { timeout: 10_000 }).toEqual(sportsOf(await current()));
    const shown = await wire(page);
    expect(shown.streams.slice(hiddenAt.streams.length)).toEqual([{ lastEventId: String(version), open: true }]);
    expect(shown.full).toBe(0);
    expect(shown.deltas - hiddenAt.deltas).toBeLessThanOrEqual(1);
    await page.close();
  });
});
