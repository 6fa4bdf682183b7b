import { type AddressInfo, connect, createServer, type Socket } from 'node:net';

/**
 * A TCP proxy for fault tests, in front of a real server. silenceExisting() makes every
 * connection open now go silent in both directions without closing it (what clients see when
 * a database host vanishes at a failover), while new connections still reach the server.
 * cut() takes the proxy down (connections reset, new ones refused: a host that is down) and
 * restore() brings it back on the same port.
 */
export async function startTcpProxy(target: { host: string; port: number }) {
  const pairs = new Set<[Socket, Socket]>();
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect(target.port, target.host);
    const pair: [Socket, Socket] = [client, upstream];
    sockets.add(client).add(upstream);
    pairs.add(pair);
    client.pipe(upstream);
    upstream.pipe(client);
    const drop = () => {
      pairs.delete(pair);
      sockets.delete(client);
      sockets.delete(upstream);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
  });
  const listen = (on: number) => new Promise<void>((resolve, reject) => server.once('error', reject).listen(on, '127.0.0.1', resolve));
  const destroyAll = () => {
    for (const socket of sockets) socket.destroy();
    pairs.clear();
  };
  await listen(0);
  const { port } = server.address() as AddressInfo;
  return {
    port,
    /** Down: open connections are reset and new ones refused (ECONNREFUSED), until restore(). */
    async cut(): Promise<void> {
      destroyAll();
      if (server.listening) await new Promise<void>((resolve) => server.close(() => resolve()));
    },
    async restore(): Promise<void> {
      if (!server.listening) await listen(port);
    },
    silenceExisting(): void {
      for (const [client, upstream] of pairs) {
        client.unpipe(upstream);
        upstream.unpipe(client);
        client.pause();
        upstream.pause();
      }
      pairs.clear(); // silent for good: not forwarded, never closed by the proxy
    },
    /** Stops listening and destroys every connection, silenced ones included. */
    async close(): Promise<void> {
      destroyAll();
      if (server.listening) await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
