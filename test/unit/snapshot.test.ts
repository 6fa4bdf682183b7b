import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
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
