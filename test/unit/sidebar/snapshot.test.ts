import { brotliCompressSync, brotliDecompressSync, constants, gunzipSync, gzipSync } from 'node:zlib';
import { describe, expect, it, vi } from 'vitest';
import { sidebarReply, writeHotReply } from '../../../src/sidebar/respond.js';
import {
  buildSnapshot,
  etagMatches,
  lastModifiedOf,
  negotiateEncoding,
  negotiateEncodingCached,
  notModified,
  staticHeaders,
} from '../../../src/sidebar/snapshot.js';

const policy = { cacheControl: 'public, max-age=0, s-maxage=1', vary: 'accept-encoding', surrogateKeys: [] };
const brotliAt = (quality: number, input: Buffer) =>
  brotliCompressSync(input, { params: { [constants.BROTLI_PARAM_QUALITY]: quality, [constants.BROTLI_PARAM_SIZE_HINT]: input.length } });

const body = JSON.stringify({ sports: [{ sport: 'Håndbold', leagues: Array.from({ length: 40 }, (_, i) => ({ league: `League ${i}` })) }] });

describe('buildSnapshot', () => {
  const snapshot = buildSnapshot(body, policy);

  it('holds the body and its gzip and brotli forms, which decode to it', () => {
    expect(snapshot.identity.toString('utf8')).toBe(body);
    expect(gunzipSync(snapshot.gzip).toString('utf8')).toBe(body);
    expect(brotliDecompressSync(snapshot.br).toString('utf8')).toBe(body);
    expect(snapshot.br.length).toBeLessThan(snapshot.identity.length);
  });

  it('replaces its quality-5 brotli with a smaller quality-11 one off the event loop', async () => {
    const fresh = buildSnapshot(body, policy);
    const quick = fresh.br;
    await new Promise((r) => setTimeout(r, 200));
    expect(fresh.br.length).toBeLessThanOrEqual(quick.length);
    expect(brotliDecompressSync(fresh.br).toString('utf8')).toBe(body);
  });

  it('tags the same body the same way, and a different body differently', () => {
    expect(buildSnapshot(body, policy).etag).toBe(snapshot.etag);
    expect(buildSnapshot(`${body} `, policy).etag).not.toBe(snapshot.etag);
    expect(snapshot.etag).toMatch(/^W\/"[\w-]{27}"$/);
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
  const snapshot = buildSnapshot(body, policy);
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

/** A ServerResponse stand-in that records what writeHotReply writes. */
function fakeResponse() {
  const written: { status?: number; headers?: string[]; body?: Buffer | undefined } = {};
  const res = {
    writeHead(status: number, headers: string[]) {
      written.status = status;
      written.headers = [...headers];
      return res;
    },
    end(chunk?: Buffer) {
      written.body = chunk;
    },
  };
  return { res: res as never, written };
}

describe('sidebarReply and writeHotReply agree', () => {
  const snapshot = buildSnapshot(body, policy);

  it.each([
    ['identity', undefined],
    ['gzip', undefined],
    ['br', undefined],
    ['br', snapshot.etag],
    [undefined, `"other", ${snapshot.etag}`],
    ['gzip', '"other"'],
  ])('accept-encoding %s, if-none-match %s: same status, headers (Server-Timing aside) and body', (acceptEncoding, ifNoneMatch) => {
    const { res, written } = fakeResponse();
    // The clock reads 0.25 ms after the start, whatever the machine is doing.
    const now = vi.spyOn(performance, 'now').mockReturnValue(1000.25);
    const status = writeHotReply(res, snapshot, acceptEncoding, ifNoneMatch, undefined, 1000);
    now.mockRestore();
    const expected = sidebarReply(snapshot, { acceptEncoding, ifNoneMatch }, 'memory', 0);
    expect(status).toBe(expected.status);
    expect(written.status).toBe(expected.status);
    const withoutTiming = (list: string[]) => list.slice(0, list.indexOf('server-timing'));
    expect(withoutTiming(written.headers ?? [])).toEqual(withoutTiming(expected.headers));
    const headers = written.headers ?? [];
    expect(headers.length % 2).toBe(0);
    expect(headers[headers.indexOf('server-timing') + 1]).toBe('sidebar;desc="memory";dur=0.250');
    expect(written.body ?? null).toEqual(expected.body);
  });

  it('a 304 carries the validator and what a cache needs, and no body', () => {
    const reply = sidebarReply(snapshot, { ifNoneMatch: snapshot.etag.slice(2) }, 'memory', 0); // the strong form matches weakly
    expect(reply.status).toBe(304);
    expect(reply.headers.slice(0, 6)).toEqual(['etag', snapshot.etag, 'vary', 'accept-encoding', 'cache-control', policy.cacheControl]);
    expect(sidebarReply(snapshot, { ifNoneMatch: '"other"' }, 'memory', 0).status).toBe(200);
  });

  it('a stale answer says so, with its age in whole seconds (never negative)', () => {
    const headersOf = (list: string[]) => Object.fromEntries(list.flatMap((v, i) => (i % 2 ? [] : [[v, list[i + 1]]])));
    expect(headersOf(sidebarReply(snapshot, {}, 'memory', 0, { ageSeconds: 12.9 }).headers)).toMatchObject({ 'x-cache': 'STALE', age: '12' });
    expect(headersOf(sidebarReply(snapshot, {}, 'memory', 0, { ageSeconds: -3 }).headers)).toMatchObject({ age: '0' });
    expect(headersOf(sidebarReply(snapshot, {}, 'memory', 0).headers).age).toBeUndefined();
  });

  it('Server-Timing of hot answers over a millisecond is written in full', () => {
    const { res, written } = fakeResponse();
    const now = vi.spyOn(performance, 'now').mockReturnValue(1002.5);
    writeHotReply(res, snapshot, undefined, undefined, undefined, 1000);
    now.mockRestore();
    expect(written.headers?.at(-1)).toBe('sidebar;desc="memory";dur=2.500');
  });
});

describe('snapshot encodings, exactly', () => {
  // Large and varied enough that quality 11 compresses it smaller than quality 5.
  const big = JSON.stringify({
    sports: Array.from({ length: 12 }, (_, s) => ({
      sport_id: `sport_${s}`,
      leagues: Array.from({ length: 30 }, (_, l) => ({
        league_id: `league_${s}_${l}`,
        league: `League ${(s * 7919 + l * 104729) % 99991}`,
        game_count: (s * l) % 17,
      })),
    })),
  });
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  it('gzip is level 9, brotli quality 5 at once and quality 11 once upgraded', async () => {
    const fresh = buildSnapshot(big, policy);
    expect(brotliAt(11, fresh.identity).length).toBeLessThan(brotliAt(5, fresh.identity).length);
    expect(fresh.gzip.equals(gzipSync(Buffer.from(big), { level: 9 }))).toBe(true);
    expect(fresh.br.equals(brotliAt(5, fresh.identity))).toBe(true);
    // The upgrade runs in the background: on a loaded machine it takes longer than on an idle one.
    await vi.waitFor(() => expect(fresh.br.equals(brotliAt(11, fresh.identity))).toBe(true), { timeout: 5000, interval: 20 });
  });

  it('only the newest of snapshots built in a burst is upgraded', async () => {
    const older = buildSnapshot(`${big}1`, policy);
    const newer = buildSnapshot(`${big}2`, policy);
    await vi.waitFor(() => expect(newer.br.equals(brotliAt(11, newer.identity))).toBe(true), { timeout: 5000, interval: 20 });
    // Once the newest is upgraded, the older one is not going to be.
    await sleep(100);
    expect(older.br.equals(brotliAt(5, older.identity))).toBe(true);
  });

  it('each encoding has its fixed header list, built once', () => {
    const fresh = buildSnapshot(body, policy);
    const common = ['content-type', 'application/json; charset=utf-8'];
    const rest = (encoding: 'identity' | 'gzip' | 'br') => [
      'etag',
      fresh.etag,
      'vary',
      'accept-encoding',
      'cache-control',
      policy.cacheControl,
      'x-content-type-options',
      'nosniff',
      ...(encoding === 'identity' ? [] : ['content-encoding', encoding]),
    ];
    for (const encoding of ['identity', 'gzip', 'br'] as const) {
      const headers = staticHeaders(fresh, encoding);
      expect(headers).toEqual([...common, 'content-length', String(fresh[encoding].length), ...rest(encoding)]);
      expect(staticHeaders(fresh, encoding)).toBe(headers);
    }
  });
});

describe('negotiateEncodingCached', () => {
  it('answers what negotiateEncoding answers, for any number of distinct header values', () => {
    const values = [undefined, '', 'gzip', 'br', 'br;q=0, gzip', 'identity', 'x-gzip', 'deflate'];
    for (let i = 0; i < 300; i++) values.push(i % 2 ? `gzip;q=0.${i % 9}, identity` : `br;q=0.${i % 9}, x${i}`);
    for (let round = 0; round < 2; round++) {
      for (const value of values) expect(negotiateEncodingCached(value)).toBe(negotiateEncoding(value));
    }
  });
});

describe('etagMatches, weak comparison', () => {
  it.each([
    ['"abc"', '"abc"', true],
    [' "abc" ', '"abc"', true],
    ['*', '"abc"', true],
    [' * ', '"abc"', true],
    ['"x", "abc"', '"abc"', true],
    ['W/"abc"', '"abc"', true],
    ['"abc"', 'W/"abc"', true],
    ['"abcd"', '"abc"', false],
    ['"x", "y"', '"abc"', false],
    ['W"abc"', '"abc"', false],
    ['"W/abc"', '"abc"', false], // W/ inside the quotes is part of the tag, not the weak marker
    ['"ab"', '"aW/b"', false],
    ['', '"abc"', false],
    [undefined, '"abc"', false],
  ] as const)('%j against %s: %s', (header, etag, expected) => {
    expect(etagMatches(header, etag)).toBe(expected);
  });
});

describe('CDN tags', () => {
  it('every encoding names the tags in Surrogate-Key (space-separated) and Cache-Tag (comma-separated); none without tags', () => {
    const tagged = buildSnapshot(body, { ...policy, surrogateKeys: ['sidebar', 'sidebar:window=live'] });
    for (const encoding of ['identity', 'gzip', 'br'] as const) {
      const headers = staticHeaders(tagged, encoding);
      expect(headers[headers.indexOf('surrogate-key') + 1]).toBe('sidebar sidebar:window=live');
      expect(headers[headers.indexOf('cache-tag') + 1]).toBe('sidebar,sidebar:window=live');
    }
    const untagged = staticHeaders(buildSnapshot(body, policy), 'identity');
    expect(untagged).not.toContain('surrogate-key');
    expect(untagged).not.toContain('cache-tag');
  });
});

describe('conditional requests', () => {
  const refreshed = '2026-11-26T10:00:00.500Z';
  // Built in each test, not when the file loads: mutation testing activates a mutant per test run.
  const dated = () => buildSnapshot(JSON.stringify({ sports: [{ refreshed_at: 'nested' }], refreshed_at: refreshed, source: 'materialized_view' }), policy);
  const lastModified = 'Thu, 26 Nov 2026 10:00:00 GMT';

  it('Last-Modified is the top-level refreshed_at as an HTTP date; none without one, or with null or garbage', () => {
    const withDate = dated();
    expect(withDate.lastModified).toBe(lastModified);
    expect(lastModifiedOf('{"refreshed_at":null}')).toBeNull();
    expect(lastModifiedOf('{"sports":[]}')).toBeNull();
    expect(lastModifiedOf(`${'x'.repeat(15)}${refreshed}"`)).toBeNull(); // a date, but no refreshed_at
    expect(lastModifiedOf('{"refreshed_at":"soon"}')).toBeNull();
    expect(lastModifiedOf(`"refreshed_at":"${refreshed}"`)).toBe(lastModified); // at the very start
    expect(lastModifiedOf(`{"refreshed_at":"${refreshed}","source":"x"}`)).toBe(lastModified); // a quote after it
    expect(staticHeaders(withDate, 'identity')).toEqual(expect.arrayContaining(['last-modified', lastModified]));
    expect(staticHeaders(buildSnapshot('{"refreshed_at":null}', policy), 'identity')).not.toContain('last-modified');
  });

  it('If-None-Match decides when sent (RFC 9110 13.2.2); else If-Modified-Since, to the second', () => {
    const withDate = dated();
    expect(notModified(withDate, withDate.etag, undefined)).toBe(true);
    expect(notModified(withDate, '"other"', lastModified)).toBe(false); // If-None-Match wins
    expect(notModified(withDate, undefined, lastModified)).toBe(true);
    expect(notModified(withDate, undefined, 'Thu, 26 Nov 2026 10:00:01 GMT')).toBe(true);
    expect(notModified(withDate, undefined, 'Thu, 26 Nov 2026 09:59:59 GMT')).toBe(false);
    expect(notModified(withDate, undefined, 'not a date')).toBe(false);
    expect(notModified(withDate, undefined, undefined)).toBe(false);
    expect(notModified({ etag: withDate.etag, lastModified: null }, undefined, lastModified)).toBe(false);
    expect(notModified({ etag: withDate.etag, lastModified: null }, undefined, 'Fri, 01 Jan 2100 00:00:00 GMT')).toBe(false);
  });

  it('a 304 for If-Modified-Since carries Cache-Control and Last-Modified; the hot path answers the same', () => {
    const withDate = dated();
    const reply = sidebarReply(withDate, { ifModifiedSince: lastModified }, 'memory', 0);
    expect(reply.status).toBe(304);
    expect(reply.headers.slice(0, 8)).toEqual([
      'etag',
      withDate.etag,
      'vary',
      'accept-encoding',
      'cache-control',
      policy.cacheControl,
      'last-modified',
      lastModified,
    ]);
    const { res, written } = fakeResponse();
    expect(writeHotReply(res, withDate, 'gzip', undefined, lastModified, performance.now())).toBe(304);
    expect(written.headers?.slice(0, 8)).toEqual(reply.headers.slice(0, 8));
  });
});

describe('deferred compression (variants)', () => {
  const deferred = () => buildSnapshot(body, policy, { deferCompression: true });

  it('answers its first request uncompressed, whatever the client accepts, and compressed from the second', () => {
    const snapshot = deferred();
    const first = sidebarReply(snapshot, { acceptEncoding: 'br, gzip' }, 'memory', 0);
    expect(first.body).toBe(snapshot.identity);
    expect(first.headers).not.toContain('content-encoding');
    expect(first.headers).toContain('accept-encoding'); // Vary: caches keep the encodings apart
    const second = sidebarReply(snapshot, { acceptEncoding: 'br, gzip' }, 'memory', 0);
    expect(second.headers[second.headers.indexOf('content-encoding') + 1]).toBe('br');
    expect(brotliDecompressSync(second.body as Buffer).toString('utf8')).toBe(body);
    const third = sidebarReply(snapshot, { acceptEncoding: 'gzip' }, 'memory', 0);
    expect(gunzipSync(third.body as Buffer).toString('utf8')).toBe(body);
    // The hot path follows the same rule.
    const { res, written } = fakeResponse();
    writeHotReply(res, snapshot, 'gzip', undefined, undefined, performance.now());
    expect(written.body).toBe(snapshot.gzip);
  });

  it('builds each encoding on first read, once, with the same tag as bytes compressed at once', () => {
    const snapshot = deferred();
    expect(snapshot.etag).toBe(buildSnapshot(body, policy).etag);
    const gzip = snapshot.gzip;
    expect(snapshot.gzip).toBe(gzip);
    expect(gzip.equals(gzipSync(Buffer.from(body), { level: 9 }))).toBe(true);
    expect(brotliDecompressSync(snapshot.br).toString('utf8')).toBe(body);
  });

  it('upgrades its brotli to quality 11 once built, as bytes compressed at once do', async () => {
    const big = JSON.stringify({ sports: Array.from({ length: 300 }, (_, i) => ({ sport: `Sport ${i}`, leagues: [{ league: `League ${i % 17}` }] })) });
    const snapshot = buildSnapshot(big, policy, { deferCompression: true });
    expect(snapshot.br.equals(brotliAt(5, snapshot.identity))).toBe(true);
    await vi.waitFor(() => expect(snapshot.br.equals(brotliAt(11, snapshot.identity))).toBe(true), { timeout: 5000, interval: 20 });
  });

  it('bytes compressed at once never go uncompressed to a client that accepts an encoding', () => {
    const snapshot = buildSnapshot(body, policy);
    expect(snapshot.deferred).toBeNull();
    expect(sidebarReply(snapshot, { acceptEncoding: 'gzip' }, 'memory', 0).body).toBe(snapshot.gzip);
  });
});
