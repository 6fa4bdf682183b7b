/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
import { join } from 'node:path';
import type { Sidebar } from '@sportsbook/sidebar-client';
import type { FastifyInstance } from 'fastify';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { paths } from '../../src/contract/index.js';
import { insertEventBySql, loadFixtures } from '../fixtures/events.js';
import { adminApiKey, asAdmin, buildTestApp, listening } from '../helpers/app.js';
import { backends, type TestCache, type TestDb } from '../helpers/backends.js';

/**
 * The demo page (/) in headless Chromium: what it shows against what the API answers, live
 * updates without a reload, the keyboard, a phone's viewport. Screenshots go to docs/screenshots.
 */
const backend = backends[backends.length - 1] as (typeof backends)[number]; // the real servers when configured
const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const screenshots = join(import.meta.dirname, '../../docs/screenshots');
const timezoneId = 'Europe/London';

describe(`the demo page in Chromium, on ${backend.name}`, () => {
  let testDb: TestDb;
  let cache: TestCache;
  let app: FastifyInstance;
  let base: string;
  let browser: Browser;
  let events = 0;

  beforeAll(async () => {
    testDb = await backend.createDb();
    cache = await backend.createCache();
    await loadFixtures(testDb.db);
    await testDb.db.query(`select refresh_sidebar_data('startup')`);
    app = await buildTestApp({ db: testDb.db, cache: cache.cache, prefix: cache.prefix });
    base = await listening(app);
    browser = await chromium.launch({
      executablePath: chromiumPath,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await cache?.cleanup();
    await testDb?.drop();
  });

  const api = async (query: string) => (await app.inject({ method: 'GET', url: `${paths.sidebar}${query}` })).json<Sidebar>();
  const open = async (viewport = { width: 1280, height: 860 }, path = '/') => {
    const page = await browser.newPage({ viewport, timezoneId, reducedMotion: 'reduce' });
    await page.goto(`${base}${path}`);
    await page.locator('.sbs-sport').first().waitFor();
    return page;
  };
  /** What the page shows: every sport (expanded, to read its leagues) with its counts. */
  const shown = async (page: Page) => {
    const closed = page.locator('.sbs-sport-button[aria-expanded="false"]');
    for (let n = await closed.count(); n > 0; n--) await closed.first().click();
    return page.locator('.sbs-sport').evaluateAll((sports) =>
      sports.map((sport) => ({
        sport_id: sport.getAttribute('data-sport-id'),
        game_count: Number(sport.querySelector('.sbs-sport-button .sbs-count')?.textContent),
        live_game_count: Number(sport.querySelector('.sbs-sport-button .sbs-live')?.textContent ?? 0),
        leagues: [...sport.querySelectorAll('.sbs-league')].map((league) => ({
          league_id: league.getAttribute('data-league-id'),
          game_count: Number(league.querySelector('.sbs-count')?.textContent),
          live_game_count: Number(league.querySelector('.sbs-live')?.textContent ?? 0),
        })),
      })),
    );
  };
  const expected = (body: Sidebar) =>
    body.sports.map((s) => ({
      sport_id: s.sport_id,
      game_count: s.game_count,
      live_game_count: s.live_game_count,
      leagues: s.leagues.map((l) => ({ league_id: l.league_id, game_count: l.game_count, live_game_count: l.live_game_count })),
    }));

  it('each window tab shows exactly the sports, leagues and counts the API answers, in its order; the URL carries the view', async () => {
    const page = await open();
    expect(await shown(page)).toEqual(expected(await api('')));
    await page.screenshot({ path: join(screenshots, 'demo-desktop.png') });
    for (const [tab, query] of [
      ['Live', '?window=live'],
      ['Today', `?window=today&tz=${encodeURIComponent(timezoneId)}`],
      ['All', ''],
    ] as const) {
      await page.getByRole('tab', { name: tab }).click();
      await expect.poll(async () => shown(page)).toEqual(expected(await api(query)));
      expect(new URL(page.url()).searchParams.get('window')).toBe(tab === 'All' ? null : tab.toLowerCase());
    }
    // Linked and reloaded: the same view.
    await page.goto(`${base}/?window=live&lang=es&jurisdiction=US-PA`);
    await page.locator('.sbs-sport').first().waitFor();
    expect(await page.getByRole('tab', { name: 'Live' }).getAttribute('aria-selected')).toBe('true');
    expect(await page.getByLabel('Language').inputValue()).toBe('es');
    await expect.poll(async () => shown(page)).toEqual(expected(await api('?window=live&lang=es&jurisdiction=US-PA')));
    await page.close();
  });

  it('a change in odds_events appears on the page without a reload', async () => {
    const page = await open();
    await page.evaluate(() => {
      (window as unknown as { marker: number }).marker = 42;
    });
    const before = await api('');
    await insertEventBySql(testDb.db, `e2e-${++events}`, { league: 'e2e-league', status: 'live' });
    expect((await app.inject({ method: 'POST', url: paths.refresh, headers: asAdmin })).statusCode).toBe(200);
    const after = await api('');
    expect(after.totals.game_count).toBe(before.totals.game_count + 1);
    await expect.poll(async () => shown(page), { timeout: 10_000 }).toEqual(expected(after));
    expect(await page.locator('[data-league-id="e2e-league"]').count()).toBe(1);
    expect(await page.evaluate(() => (window as unknown as { marker: number }).marker)).toBe(42);
    await page.close();
  });

  it('the tree works from the keyboard: Tab to a sport, Enter opens it, Tab reaches its leagues, Enter chooses one', async () => {
    const page = await open();
    const first = page.locator('.sbs-sport-button').first();
    const firstLeague = page.locator('.sbs-sport').first().locator('.sbs-league-entry').first();
    for (let i = 0; i < 20 && !(await first.evaluate((el) => el === document.activeElement)); i++) await page.keyboard.press('Tab');
    expect(await first.evaluate((el) => el === document.activeElement)).toBe(true);
    expect(await first.getAttribute('aria-expanded')).toBe('false');
    expect(await firstLeague.isVisible()).toBe(false);
    await page.keyboard.press('Enter');
    expect(await first.getAttribute('aria-expanded')).toBe('true');
    await page.keyboard.press('Tab');
    expect(await firstLeague.evaluate((el) => el === document.activeElement)).toBe(true);
    const name = await firstLeague.locator('.sbs-name').textContent();
    await page.keyboard.press('Enter');
    expect(await page.getByTestId('chosen').textContent()).toMatch(new RegExp(`^${name}:`));
    await page.keyboard.press('Shift+Tab');
    await page.keyboard.press('Space');
    expect(await first.getAttribute('aria-expanded')).toBe('false');
    // The window tabs: arrow keys move between them.
    await page.getByRole('tab', { name: 'All' }).focus();
    await page.keyboard.press('ArrowRight');
    expect(await page.getByRole('tab', { name: 'Live' }).getAttribute('aria-selected')).toBe('true');
    await page.close();
  });

  it('at 360 × 740 (a phone) the sidebar fits the width, its targets are at least 44 px tall, and a tap opens a sport', async () => {
    const page = await open({ width: 360, height: 740 });
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
    const boxes = await page.locator('.sbs-sport-button').evaluateAll((buttons) => buttons.map((b) => b.getBoundingClientRect().toJSON() as DOMRect));
    for (const box of boxes) {
      expect(box.left).toBeGreaterThanOrEqual(0);
      expect(box.right).toBeLessThanOrEqual(360);
      expect(box.height).toBeGreaterThanOrEqual(44);
    }
    const first = page.locator('.sbs-sport-button').first();
    await first.click();
    expect(await first.getAttribute('aria-expanded')).toBe('true');
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
    await page.screenshot({ path: join(screenshots, 'demo-phone.png') });
    await page.close();
  });

  it('the dashboard asks for the admin token, shows the charts and figures, and “Refresh now” adds a row to the log', async () => {
    for (let i = 0; i < 3; i++) await app.inject({ method: 'POST', url: paths.refresh, headers: asAdmin });
    await app.inject({ method: 'GET', url: paths.sidebar });
    const page = await browser.newPage({ viewport: { width: 1280, height: 1000 }, timezoneId });
    await page.goto(`${base}/admin`);
    await page.getByLabel('Admin token').fill('not-the-token-0123456789');
    await page.getByRole('button', { name: 'Sign in' }).click();
    expect(await page.getByRole('alert').textContent()).toBe('That token is refused.');
    await page.getByLabel('Admin token').fill(adminApiKey);
    await page.getByRole('button', { name: 'Sign in' }).click();
    const log = page.getByTestId('refresh-log');
    await log.waitFor();
    for (const chart of ['chart-refreshes', 'chart-hit-ratio', 'chart-latency']) {
      expect(await page.getByTestId(chart).locator('canvas').count()).toBe(1);
    }
    // The token stays in this tab only.
    expect(await page.evaluate(() => [sessionStorage.getItem('sidebar-admin-token'), localStorage.length])).toEqual([adminApiKey, 0]);
    const newest = async () => Number(await log.locator('tbody tr').first().locator('td').first().textContent());
    const before = await newest();
    await page.getByRole('button', { name: 'Refresh now' }).click();
    await expect.poll(async () => page.getByTestId('refresh-result').textContent()).toMatch(/^Refresh \d+: success in/);
    await expect.poll(newest).toBeGreaterThan(before);
    expect(await log.locator('tbody tr').first().locator('td').nth(2).textContent()).toBe('manual');
    await page.screenshot({ path: join(screenshots, 'dashboard-desktop.png'), fullPage: true });
    await page.setViewportSize({ width: 360, height: 740 });
    await page.waitForTimeout(300); // the charts resize to the width
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
    await page.screenshot({ path: join(screenshots, 'dashboard-phone.png') });
    // Reloaded, still signed in (the same tab); signed out, the token is gone.
    await page.reload();
    await log.waitFor();
    await page.getByRole('button', { name: 'Sign out' }).click();
    expect(await page.evaluate(() => sessionStorage.getItem('sidebar-admin-token'))).toBeNull();
    await page.close();
  });
});
