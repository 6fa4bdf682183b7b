import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import type { Sidebar } from '../../../src/contract/index.js';
import { createStreamHub } from '../../../src/stream/hub.js';

/**
 * What the hub uses of a ServerResponse: its socket (write, the bytes not yet sent), whether it
 * is chunk-encoded, end, destroy, close. The socket is the fake itself.
 */
class FakeResponse extends EventEmitter {
  written: string[] = [];
  writableLength = 0;
  ended = false;
  destroyed = false;
  socket: FakeResponse | null = this;
  /** Bytes each write leaves unsent (a client that reads nothing); chunkedEncoding: HTTP/1.1 framing. */
  constructor(
    private readonly stuckBytesPerWrite = 0,
    readonly chunkedEncoding = false,
  ) {
    super();
  }
  write(bytes: Buffer) {
    this.written.push(bytes.toString());
    this.writableLength += this.stuckBytesPerWrite ? bytes.length : 0;
    return true;
  }
  end() {
    this.ended = true;
    this.emit('close');
  }
  destroy() {
    this.destroyed = true;
    this.emit('close');
  }
}
const asResponse = (r: FakeResponse) => r as unknown as ServerResponse;
/** A clock that stands still: batches end by their size alone. */
const stopped = () => 0;

const sidebar = (games: number): string =>
  JSON.stringify({
    sports: [{ sport_id: 'darts', sport: 'Darts', icon: null, priority: null, game_count: games, live_game_count: 0, leagues: [] }],
    totals: { sports: 1, leagues: 0, game_count: games, live_game_count: 0 },
    refreshed_at: null,
    source: 'materialized_view',
    version: games,
  } satisfies Sidebar);

describe('stream hub', () => {
  it('frames the whole sidebar for a new client, with the version as its id', () => {
    const hub = createStreamHub({ maxClients: 10, maxBufferedBytes: 1e6 });
    hub.publish(3, '"e3"', sidebar(1));
    const client = new FakeResponse();
    hub.add(asResponse(client), null);
    expect(client.written).toEqual([`event: sidebar\nid: 3\ndata: ${sidebar(1)}\n\n`]);
  });

  it('frames each delta once and writes the same frame to every client; older or equal versions are ignored', () => {
    const hub = createStreamHub({ maxClients: 10, maxBufferedBytes: 1e6 });
    hub.publish(3, '"e3"', sidebar(1));
    const [a, b] = [new FakeResponse(), new FakeResponse()];
    hub.add(asResponse(a), 3);
    hub.add(asResponse(b), 3);
    hub.publish(4, '"e4"', sidebar(2));
    hub.publish(4, '"e4"', sidebar(9));
    hub.publish(2, '"e2"', sidebar(9));
    expect(a.written).toHaveLength(1);
    expect(a.written[0]).toBe(b.written[0]);
    expect(a.written[0]).toMatch(/^event: delta\nid: 4\ndata: \{"from":3,"to":4,"etag":"\\"e4\\"",/);
    expect(hub.state()).toMatchObject({ clients: 2, version: 4 });
  });

  it('the first version a client-less hub learns is sent whole to clients already connected', () => {
    const hub = createStreamHub({ maxClients: 10, maxBufferedBytes: 1e6 });
    const early = new FakeResponse();
    hub.add(asResponse(early), null);
    expect(early.written).toEqual([]);
    hub.publish(5, '"e5"', sidebar(1));
    expect(early.written).toEqual([`event: sidebar\nid: 5\ndata: ${sidebar(1)}\n\n`]);
  });

  it('a client that does not read is dropped once its unsent bytes pass the bound, and counted', () => {
    const hub = createStreamHub({ maxClients: 10, maxBufferedBytes: 500 });
    hub.publish(1, '"e1"', sidebar(1));
    const slow = new FakeResponse(1);
    const fine = new FakeResponse();
    hub.add(asResponse(slow), null);
    hub.add(asResponse(fine), null);
    expect(slow.destroyed).toBe(false); // one sidebar (~250 bytes) is within the bound
    for (let v = 2; v < 6; v++) hub.publish(v, `"e${v}"`, sidebar(v));
    expect(slow.destroyed).toBe(true);
    expect(fine.destroyed).toBe(false);
    expect(hub.state()).toMatchObject({ clients: 1, dropped: 1 });
  });

  it('has room for maxClients; a client that goes away frees its place', () => {
    const hub = createStreamHub({ maxClients: 1, maxBufferedBytes: 1e6 });
    expect(hub.hasRoom()).toBe(true);
    const client = new FakeResponse();
    hub.add(asResponse(client), null);
    expect(hub.hasRoom()).toBe(false);
    client.emit('close');
    expect(hub.hasRoom()).toBe(true);
  });

  it('heartbeats are comments to every client; closeAll ends every stream', () => {
    const hub = createStreamHub({ maxClients: 10, maxBufferedBytes: 1e6 });
    const [a, b] = [new FakeResponse(), new FakeResponse()];
    hub.add(asResponse(a), null);
    hub.add(asResponse(b), null);
    hub.heartbeat();
    expect(a.written).toEqual([': keep-alive\n\n']);
    expect(b.written).toEqual([': keep-alive\n\n']);
    hub.closeAll();
    expect([a.ended, b.ended]).toEqual([true, true]);
    expect(hub.state().clients).toBe(0);
  });

  it('resumes by Last-Event-ID: nothing for the current version, the delta for one behind, the whole sidebar otherwise', () => {
    const hub = createStreamHub({ maxClients: 10, maxBufferedBytes: 1e6 });
    hub.publish(3, '"e3"', sidebar(1));
    const onFirst = new FakeResponse();
    hub.add(asResponse(onFirst), 2); // no delta into the first version the hub learnt
    expect(onFirst.written[0]).toMatch(/^event: sidebar\nid: 3\n/);
    hub.publish(4, '"e4"', sidebar(2));
    const [current, behind, older, fresh] = [new FakeResponse(), new FakeResponse(), new FakeResponse(), new FakeResponse()];
    hub.add(asResponse(current), 4);
    hub.add(asResponse(behind), 3);
    hub.add(asResponse(older), 2);
    hub.add(asResponse(fresh), null);
    expect(current.written).toEqual([]);
    expect(behind.written).toHaveLength(1);
    expect(behind.written[0]).toMatch(/^event: delta\nid: 4\ndata: \{"from":3,"to":4,/);
    expect(older.written).toEqual([`event: sidebar\nid: 4\ndata: ${sidebar(2)}\n\n`]);
    expect(fresh.written).toEqual([`event: sidebar\nid: 4\ndata: ${sidebar(2)}\n\n`]);
  });

  it('a client whose unsent bytes are exactly at the bound stays', () => {
    const frameLength = `event: sidebar\nid: 1\ndata: ${sidebar(1)}\n\n`.length;
    const hub = createStreamHub({ maxClients: 10, maxBufferedBytes: frameLength });
    hub.publish(1, '"e1"', sidebar(1));
    const client = new FakeResponse(1);
    hub.add(asResponse(client), null);
    expect(client.writableLength).toBe(frameLength);
    expect(client.destroyed).toBe(false);
  });

  it('frames each event as one HTTP/1.1 chunk for a chunk-encoded response, bare for an HTTP/1.0 one', () => {
    const hub = createStreamHub({ maxClients: 10, maxBufferedBytes: 1e6 });
    hub.publish(1, '"e1"', sidebar(1));
    const [chunked, plain] = [new FakeResponse(0, true), new FakeResponse(0, false)];
    hub.add(asResponse(chunked), null);
    hub.add(asResponse(plain), null);
    hub.heartbeat();
    const event = `event: sidebar\nid: 1\ndata: ${sidebar(1)}\n\n`;
    expect(plain.written).toEqual([event, ': keep-alive\n\n']);
    expect(chunked.written).toEqual([`${Buffer.byteLength(event).toString(16)}\r\n${event}\r\n`, 'e\r\n: keep-alive\n\n\r\n']);
  });

  it('a client whose socket is already gone is skipped, and leaves on its close', () => {
    const hub = createStreamHub({ maxClients: 10, maxBufferedBytes: 1e6 });
    const gone = new FakeResponse();
    hub.add(asResponse(gone), null);
    gone.socket = null;
    hub.publish(1, '"e1"', sidebar(1));
    expect(gone.written).toEqual([]);
    gone.emit('close');
    expect(hub.state().clients).toBe(0);
  });

  it('writes to batchSize clients at a time, the event loop served in between; every client gets the events in order', async () => {
    const hub = createStreamHub({ maxClients: 10, maxBufferedBytes: 1e6, batchSize: 2, now: stopped });
    hub.publish(1, '"e1"', sidebar(1));
    const clients = Array.from({ length: 5 }, () => new FakeResponse());
    for (const c of clients) hub.add(asResponse(c), 1);
    hub.publish(2, '"e2"', sidebar(2));
    hub.publish(3, '"e3"', sidebar(3));
    expect(clients.map((c) => c.written.length)).toEqual([1, 1, 0, 0, 0]);
    const late = new FakeResponse();
    hub.add(asResponse(late), null); // joins mid-way: the current version, whole, and nothing older
    clients[4]?.emit('close'); // leaves mid-way: skipped
    const turn = () => new Promise((resolve) => setImmediate(resolve));
    await turn();
    expect(clients.map((c) => c.written.length)).toEqual([1, 1, 1, 1, 0]);
    for (let i = 0; i < 4; i++) await turn();
    const ids = (c: FakeResponse) => c.written.map((w) => /^event: (\w+)\nid: (\d+)/.exec(w)?.slice(1).join(' '));
    for (const c of clients.slice(0, 4)) expect(ids(c)).toEqual(['delta 2', 'delta 3']);
    expect(clients[4]?.written).toEqual([]);
    expect(ids(late)).toEqual(['sidebar 3']);
  });

  it('closeAll drops the events still waiting to be written', async () => {
    const hub = createStreamHub({ maxClients: 10, maxBufferedBytes: 1e6, batchSize: 1, now: stopped });
    hub.publish(1, '"e1"', sidebar(1));
    const [a, b] = [new FakeResponse(), new FakeResponse()];
    hub.add(asResponse(a), 1);
    hub.add(asResponse(b), 1);
    hub.publish(2, '"e2"', sidebar(2));
    hub.closeAll();
    await new Promise((resolve) => setImmediate(resolve));
    expect([a.written.length, b.written.length]).toEqual([1, 0]);
    expect(b.ended).toBe(true);
  });

  it('a batch is batchSize writes whatever events they belong to, and writing resumes for every later event', async () => {
    const hub = createStreamHub({ maxClients: 10, maxBufferedBytes: 1e6, batchSize: 3, now: stopped });
    hub.publish(1, '"e1"', sidebar(1));
    const clients = Array.from({ length: 4 }, () => new FakeResponse());
    for (const c of clients) hub.add(asResponse(c), 1);
    const counts = () => clients.map((c) => c.written.length);
    const turn = () => new Promise((resolve) => setImmediate(resolve));
    hub.publish(2, '"e2"', sidebar(2));
    hub.publish(3, '"e3"', sidebar(3));
    expect(counts()).toEqual([1, 1, 1, 0]);
    await turn(); // the last of event 2, then the first two of event 3
    expect(counts()).toEqual([2, 2, 1, 1]);
    await turn();
    expect(counts()).toEqual([2, 2, 2, 2]);
    hub.publish(4, '"e4"', sidebar(4)); // the queue ran dry: a new event is written at once
    expect(counts()).toEqual([3, 3, 3, 2]);
  });

  it('a batch also ends once it has taken sliceMs, however few writes it made: the rest waits for the next turn', async () => {
    // Each reading of the clock is 3 ms later: a batch's slice (9 ms) is over at its third write.
    let clock = 0;
    const hub = createStreamHub({ maxClients: 10, maxBufferedBytes: 1e6, sliceMs: 9, now: () => (clock += 3) });
    hub.publish(1, '"e1"', sidebar(1));
    const clients = Array.from({ length: 5 }, () => new FakeResponse());
    for (const c of clients) hub.add(asResponse(c), 1);
    const counts = () => clients.map((c) => c.written.length);
    hub.publish(2, '"e2"', sidebar(2));
    expect(counts()).toEqual([1, 1, 1, 0, 0]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(counts()).toEqual([1, 1, 1, 1, 1]);
  });
});
