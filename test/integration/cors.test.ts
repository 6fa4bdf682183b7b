import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { paths } from '../../src/contract/index.js';
import { asAdmin, buildTestApp, listening } from '../helpers/app.js';
import { backends, useFixtureBackend } from '../helpers/backends.js';

/** CORS for browser pages on other origins, through the real server (hot path included). */
const backend = backends[0] as (typeof backends)[number];
const page = 'https://app.example.com';

describe(`CORS on ${backend.name}`, () => {
  const fixture = useFixtureBackend(backend);
  const apps: FastifyInstance[] = [];

  async function serve(overrides: Record<string, unknown> = {}): Promise<string> {
    const app = await buildTestApp({ db: fixture.db.db, cache: fixture.cache.cache, prefix: `${fixture.cache.prefix}:cors${apps.length}` }, overrides);
    apps.push(app);
    return listening(app);
  }
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((app) => app.close()));
  });

  it('an allowed origin reads the sidebar: its origin allowed, the validators and the answering layer exposed, Vary: Origin', async () => {
    const base = await serve({ corsOrigins: [page] });
    await fetch(`${base}${paths.sidebar}`); // warm: the next plain GET is a hot-path answer
    const plain = await fetch(`${base}${paths.sidebar}`);
    expect(plain.headers.get('x-cache')).toBe('HIT');
    expect(plain.headers.get('vary')).toBe('accept-encoding, origin');
    expect(plain.headers.get('access-control-allow-origin')).toBeNull();
    const cross = await fetch(`${base}${paths.sidebar}`, { headers: { origin: page } });
    expect(cross.status).toBe(200);
    expect(cross.headers.get('access-control-allow-origin')).toBe(page);
    expect(cross.headers.get('access-control-expose-headers')).toBe('ETag, Last-Modified, X-Cache, Server-Timing, Age, Retry-After');
    expect(cross.headers.get('vary')?.toLowerCase()).toContain('origin');
    expect(cross.headers.get('etag')).toBe(plain.headers.get('etag'));
  });

  it('an allowed origin opens the stream: its answer carries the CORS headers too (a page on another origin reads it)', async () => {
    const base = await serve({ corsOrigins: [page] });
    const controller = new AbortController();
    const stream = await fetch(`${base}${paths.stream}`, {
      headers: { origin: page, accept: 'text/event-stream', 'last-event-id': '1' },
      signal: controller.signal,
    });
    expect(stream.status).toBe(200);
    expect(stream.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(stream.headers.get('access-control-allow-origin')).toBe(page);
    expect(stream.headers.get('vary')?.toLowerCase()).toContain('origin');
    controller.abort();
    const preflight = await fetch(`${base}${paths.stream}`, {
      method: 'OPTIONS',
      headers: { origin: page, 'access-control-request-method': 'GET', 'access-control-request-headers': 'last-event-id' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-headers')).toContain('Last-Event-ID');
  });

  it('another origin gets no CORS headers, and a preflight from it is not allowed', async () => {
    const base = await serve({ corsOrigins: [page] });
    const cross = await fetch(`${base}${paths.sidebar}`, { headers: { origin: 'https://evil.example' } });
    expect(cross.status).toBe(200); // the browser, not the server, withholds it from the page
    expect(cross.headers.get('access-control-allow-origin')).toBeNull();
    const preflight = await fetch(`${base}${paths.sidebar}`, {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'GET' },
    });
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('a preflight from an allowed origin is answered (204), with the methods and headers it may use, for 10 minutes', async () => {
    const base = await serve({ corsOrigins: [page] });
    const preflight = await fetch(`${base}${paths.sidebar}`, {
      method: 'OPTIONS',
      headers: { origin: page, 'access-control-request-method': 'GET', 'access-control-request-headers': 'if-none-match' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe(page);
    expect(preflight.headers.get('access-control-allow-methods')).toBe('GET, HEAD, POST');
    expect(preflight.headers.get('access-control-allow-headers')).toContain('If-None-Match');
    expect(preflight.headers.get('access-control-max-age')).toBe('600');
  });

  it('admin routes answer no other origin unless CORS_ADMIN is set', async () => {
    const base = await serve({ corsOrigins: [page] });
    const stats = await fetch(`${base}${paths.stats}`, { headers: { origin: page, ...asAdmin } });
    expect(stats.headers.get('access-control-allow-origin')).toBeNull();
    const forced = await fetch(`${base}${paths.sidebar}?force_refresh=true`, { headers: { origin: page, ...asAdmin } });
    expect(forced.headers.get('access-control-allow-origin')).toBeNull();
    const preflight = await fetch(`${base}${paths.refresh}`, {
      method: 'OPTIONS',
      headers: { origin: page, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization' },
    });
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
    const open = await serve({ corsOrigins: [page], corsAdmin: true });
    expect((await fetch(`${open}${paths.stats}`, { headers: { origin: page, ...asAdmin } })).headers.get('access-control-allow-origin')).toBe(page);
  });

  it('with no CORS_ORIGINS (the default), no answer carries CORS headers and answers do not vary by origin', async () => {
    const base = await serve();
    const cross = await fetch(`${base}${paths.sidebar}`, { headers: { origin: page } });
    expect(cross.headers.get('access-control-allow-origin')).toBeNull();
    expect(cross.headers.get('vary')).toBe('accept-encoding');
  });
});
