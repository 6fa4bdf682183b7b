import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { createLocalCopy } from '../../src/sidebar/local-copy.js';
import { sidebarReply } from '../../src/sidebar/respond.js';
import { buildSnapshot, etagMatches, negotiateEncoding } from '../../src/sidebar/snapshot.js';

const body = JSON.stringify({ sports: [{ sport: 'Håndbold', leagues: Array.from({ length: 40 }, (_, i) => ({ league: `League ${i}` })) }] });

describe('buildSnapshot', () => {
  const snapshot = buildSnapshot(body);

  it('holds the body and its gzip and brotli forms, which decode to it', () => {
    expect(snapshot.identity.toString('utf8')).toBe(body);
    expect(gunzipSync(snapshot.gzip).toString('utf8')).toBe(body);
    expect(brotliDecompressSync(snapshot.br).toString('utf8')).toBe(body);
    expect(snapshot.br.length).toBeLessThan(snapshot.identity.length);
  });

  it('replaces its quality-5 brotli with a smaller quality-11 one off the event loop', async () => {
    const fresh = buildSnapshot(body);
    const quick = fresh.br;
    await new Promise((r) => setTimeout(r, 200));
    expect(fresh.br.length).toBeLessThanOrEqual(quick.length);
    expect(brotliDecompressSync(fresh.br).toString('utf8')).toBe(body);
  });

  it('tags the same body the same way, and a different body differently', () => {
    expect(buildSnapshot(body).etag).toBe(snapshot.etag);
    expect(buildSnapshot(`${body} `).etag).not.toBe(snapshot.etag);
    expect(snapshot.etag).toMatch(/^"[\w-]{27}"$/);
  });
});

describe('negotiateEncoding', () => {
  it.each([
    [undefined, 'identity'],
    ['', 'identity'],
    ['gzip', 'gzip'],
    ['gzip, deflate, br', 'br'],
    ['br;q=0.5, gzip', 'gzip'],
    ['br;q=0, gzip;q=0', 'identity'],
    ['*', 'br'],
    ['gzip;q=0, *', 'br'],
    ['identity', 'identity'],
    ['deflate', 'identity'],
    ['BR', 'br'],
    ['x-gzip', 'gzip'],
  ])('%j → %s', (header, encoding) => {
    expect(negotiateEncoding(header)).toBe(encoding);
  });
});

describe('etagMatches', () => {
  it.each([
    [undefined, false],
    ['"abc"', true],
    ['W/"abc"', true],
    ['"x", "abc"', true],
    ['"abcd"', false],
    ['*', true],
  ])('%j against "abc" → %s', (header, matches) => {
    expect(etagMatches(header, '"abc"')).toBe(matches);
  });
});

describe('sidebarReply', () => {
  const snapshot = buildSnapshot(body);
  const headersOf = (list: string[]) => Object.fromEntries(list.flatMap((v, i) => (i % 2 ? [] : [[v, list[i + 1]]])));
  it('answers the negotiated bytes with their length and headers', () => {
    const reply = sidebarReply(snapshot, { acceptEncoding: 'gzip' }, 'memory', 0.0123);
    expect(reply.status).toBe(200);
    expect(reply.body).toBe(snapshot.gzip);
    expect(headersOf(reply.headers)).toMatchObject({
      'content-encoding': 'gzip',
      'content-length': String(snapshot.gzip.length),
      etag: snapshot.etag,
      vary: 'accept-encoding',
      'x-cache': 'HIT',
      'server-timing': 'sidebar;desc="memory";dur=0.012',
    });
  });
  it('answers 304 without a body when the client has this version', () => {
    const reply = sidebarReply(snapshot, { ifNoneMatch: snapshot.etag, acceptEncoding: 'br' }, 'database', 1);
    expect(reply).toMatchObject({ status: 304, body: null });
    expect(headersOf(reply.headers)).toMatchObject({ etag: snapshot.etag, 'x-cache': 'MISS' });
    expect(headersOf(reply.headers)['content-length']).toBeUndefined();
  });
});

describe('local copy', () => {
  function setup(ttlMs = 1000) {
    let t = 0;
    let version = 0;
    const loads: Array<{ resolve: () => void; bypass: boolean }> = [];
    const copy = createLocalCopy({
      ttlMs,
      now: () => t,
      load: ({ bypassCache }) =>
        new Promise((resolve) => {
          const v = ++version;
          loads.push({ bypass: bypassCache, resolve: () => resolve({ snapshot: buildSnapshot(`v${v}`), origin: bypassCache ? 'database' : 'cache' }) });
        }),
    });
    return { copy, loads, advance: (ms: number) => (t += ms) };
  }
  const tick = () => new Promise((r) => setImmediate(r));

  it('loads once for concurrent first readers, then serves from memory until the TTL', async () => {
    const { copy, loads, advance } = setup();
    const readers = [copy.get(), copy.get(), copy.get()];
    await tick();
    expect(loads).toHaveLength(1);
    loads[0]?.resolve();
    const results = await Promise.all(readers);
    expect(results.map((r) => r.layer)).toEqual(['cache', 'cache', 'cache']);
    advance(999);
    expect(copy.peekFresh()?.snapshot.identity.toString()).toBe('v1');
    expect(await copy.get()).toMatchObject({ layer: 'memory', stale: false });
    advance(1);
    expect(copy.peekFresh()).toBeNull();
  });

  it('past the TTL serves the old bytes while one background load replaces them', async () => {
    const { copy, loads, advance } = setup();
    const first = copy.get();
    await tick();
    loads[0]?.resolve();
    await first;
    advance(1500);
    const stale = await Promise.all([copy.get(), copy.get()]);
    expect(stale.map((r) => [r.layer, r.stale, r.snapshot.identity.toString()])).toEqual([
      ['memory', true, 'v1'],
      ['memory', true, 'v1'],
    ]);
    expect(loads).toHaveLength(2);
    loads[1]?.resolve();
    await tick();
    expect(await copy.get()).toMatchObject({ layer: 'memory', stale: false });
    expect(copy.peekFresh()?.snapshot.identity.toString()).toBe('v2');
  });

  it('a load that began before an invalidation does not bring the old bytes back', async () => {
    const { copy, loads } = setup();
    const early = copy.get();
    await tick();
    copy.invalidate();
    const late = copy.get();
    await tick();
    expect(loads).toHaveLength(2);
    loads[0]?.resolve(); // the pre-invalidation load finishes last-but-one
    await early;
    expect(copy.peekFresh()).toBeNull();
    loads[1]?.resolve();
    expect((await late).snapshot.identity.toString()).toBe('v2');
    expect(copy.peekFresh()?.snapshot.identity.toString()).toBe('v2');
  });

  it('reload() reads past the caches and installs the result', async () => {
    const { copy, loads } = setup();
    const result = copy.reload();
    await tick();
    expect(loads[0]?.bypass).toBe(true);
    loads[0]?.resolve();
    expect(await result).toMatchObject({ layer: 'database' });
    expect(copy.peekFresh()).not.toBeNull();
  });
});
