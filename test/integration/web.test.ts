import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { builtPages } from '../../src/web/plugin.js';
import { buildTestApp } from '../helpers/app.js';
import { type Backend, backends, useFixtureBackend } from '../helpers/backends.js';

/** The demo page at / (packages/demo, built by npm install), as a serving process answers it. */
describe('the pages', () => {
  const fixture = useFixtureBackend(backends[0] as Backend);
  const apps: FastifyInstance[] = [];
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((app) => app.close()));
  });
  const serve = async (overrides = {}) => {
    const app = await buildTestApp({ db: fixture.db.db, cache: fixture.cache.cache, prefix: fixture.cache.prefix }, overrides);
    apps.push(app);
    return app;
  };

  it('/ is the demo page: HTML (no-cache) naming its script and styles, which are served immutable', async () => {
    expect(builtPages()).not.toBeNull();
    const app = await serve();
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
  });

  it('WEB_PAGES_ENABLED=false: / answers 404 in the error shape', async () => {
    const app = await serve({ webPagesEnabled: false });
    const page = await app.inject({ method: 'GET', url: '/' });
    expect(page.statusCode).toBe(404);
    expect(page.json()).toMatchObject({ statusCode: 404, error: 'Not Found' });
  });
});
