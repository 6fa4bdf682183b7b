import type { ServerResponse } from 'node:http';
import type { Sidebar } from '../contract/index.js';
import { sidebarDelta } from './delta.js';

/** A version as the stream knows it: its body (parsed once) and the delta from the one before. */
interface StreamVersion {
  version: number;
  etag: string;
  body: string;
  sidebar: Sidebar;
  /** The `delta` event from the previous version, framed once for every client. */
  deltaFrame: string | null;
  from: number | null;
}

export interface StreamHubOptions {
  maxClients: number;
  /** A client whose unsent bytes pass this is dropped (it reconnects with Last-Event-ID). */
  maxBufferedBytes: number;
}

const frame = (event: string, id: number, data: string) => `event: ${event}\nid: ${id}\ndata: ${data}\n\n`;

/**
 * The clients of GET /sidebar/stream in this process. Each new version's delta is computed and
 * framed once, then written to every client; a client that cannot keep up (its socket buffer
 * past maxBufferedBytes) is dropped rather than let memory grow.
 */
export function createStreamHub(options: StreamHubOptions) {
  const clients = new Set<ServerResponse>();
  let current: StreamVersion | null = null;
  let dropped = 0;

  function write(res: ServerResponse, text: string): void {
    res.write(text);
    if (res.writableLength > options.maxBufferedBytes) {
      dropped++;
      clients.delete(res);
      res.destroy();
    }
  }

  return {
    /** Whether another client may connect. */
    hasRoom: () => clients.size < options.maxClients,

    /**
     * Adds a client and sends what it lacks: nothing when it holds the current version, the
     * last delta when it is one version behind, the whole sidebar otherwise.
     */
    add(res: ServerResponse, lastEventId: number | null): void {
      clients.add(res);
      res.on('close', () => clients.delete(res));
      if (!current) return;
      if (lastEventId === current.version) return;
      // (from is null exactly when there is no delta: the first version this hub learnt.)
      if (current.deltaFrame && lastEventId === current.from) write(res, current.deltaFrame);
      else write(res, frame('sidebar', current.version, current.body));
    },

    /** A new version: its delta from the last one is framed once and sent to every client. */
    publish(version: number, etag: string, body: string): void {
      if (current && version <= current.version) return;
      const sidebar = JSON.parse(body) as Sidebar;
      const previous = current;
      const deltaFrame = previous
        ? frame('delta', version, JSON.stringify({ from: previous.version, to: version, etag, ...sidebarDelta(previous.sidebar, sidebar) }))
        : null;
      current = { version, etag, body, sidebar, deltaFrame, from: previous?.version ?? null };
      for (const res of clients) write(res, deltaFrame ?? frame('sidebar', version, body));
    },

    /** A comment line, so proxies and load balancers keep idle streams open. */
    heartbeat(): void {
      for (const res of clients) write(res, ': keep-alive\n\n');
    },

    /** Ends every stream (shutdown): clients reconnect, to another instance. */
    closeAll(): void {
      for (const res of clients) res.end();
      clients.clear();
    },

    state: () => ({ clients: clients.size, dropped, version: current?.version ?? null }),
  };
}

export type StreamHub = ReturnType<typeof createStreamHub>;
