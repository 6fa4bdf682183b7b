import { describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { builtPages } from '../../src/web/plugin.js';
import { testConfig } from '../helpers/app.js';
import { backends } from '../helpers/backends.js';

/** The demo page at / (packages/demo, built by npm install), as a serving process answers it. */
describe('the pages', () => {
  const serve = async (overrides = {}) => {
    const [embedded] = backends;
    const testDb = await (embedded as (typeof backends)[number]).createDb();
    const cache = await (embedded as (typeof backends)[number]).createCache();
    const app = await buildApp({ config: testConfig(overrides), db: testDb.db, cache: cache.cache, logger: false, role: 'server', jobs: false });
    await app.ready();
    const close = async () => {
      await app.close();
      await cache.cleanup();
      await testDb.drop();
    };
    return { app, close };
  };

  it('/ is the demo page: HTML (no-cache) naming its script and styles, which are served immutable', async () => {
    expect(builtPages()).not.toBeNull();
    const { app, close } = await serve();
    try {
      const page = await app.inject({ method: 'GET', url: '/' });
      expect(page.statusCode).toBe(200);
      expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(page.headers['cache-control']).toBe('no-cache');
      expect(page.headers['content-security-policy']).toMatch(/script-src 'self'/);
      const script = /src="(\/assets\/index-[^"]+\.js)"/.exec(page.body)?.[1];
      const styles = /href="(\/assets\/index-[^"]+\.css)"/.exec(page.body)?.[1];
      expect(script).toBeDefined();
      expect(styles).toBeDefined();
      const js = await app.inject({ method: 'GET', url: script as string, headers: { 'accept-encoding': 'gzip' } });
      expect(js.statusCode).toBe(200);
      expect(js.headers['content-type']).toMatch(/javascript/);
      expect(js.headers['cache-control']).toBe('public, max-age=31536000, immutable');
      expect(js.headers['content-encoding']).toBe('gzip');
      expect((await app.inject({ method: 'GET', url: styles as string })).headers['content-type']).toMatch(/^text\/css/);
      const missing = await app.inject({ method: 'GET', url: '/assets/nothing.js' });
      expect(missing.statusCode).toBe(404);
      expect(missing.json()).toMatchObject({ statusCode: 404 });
    } finally {
      await close();
    }
  });

  it('WEB_PAGES_ENABLED=false: / answers 404 in the error shape', async () => {
    const { app, close } = await serve({ webPagesEnabled: false });
    try {
      const page = await app.inject({ method: 'GET', url: '/' });
      expect(page.statusCode).toBe(404);
      expect(page.json()).toMatchObject({ statusCode: 404, error: 'Not Found' });
    } finally {
      await close();
    }
  });
});
