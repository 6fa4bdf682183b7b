import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { type CryptoKey, exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import { supabaseAuthEndpoints } from '../../src/auth/verify.js';

/*
 * A Supabase project's sign-in keys, for tests: key pairs, tokens signed as Supabase signs its
 * users' tokens, and a loopback server that publishes the public keys at
 * /auth/v1/.well-known/jwks.json and can be made to fail (answer an error, or hang).
 */

export type Mode = 'serve' | 'error' | 'hang';

export interface SigningKey {
  kid: string;
  alg: 'ES256' | 'RS256';
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  publicJwk: JWK;
}

export async function signingKey(kid: string, alg: SigningKey['alg']): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return { kid, alg, privateKey, publicKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } };
}

/** A loopback server publishing `keys` as the project's key set; `fetches` counts the requests for it. */
export async function startKeyServer() {
  const state = { mode: 'serve' as Mode, keys: [] as JWK[], fetches: 0 };
  const hanging = new Set<ServerResponse>();
  const sockets = new Set<Socket>();
  const server: Server = createServer((req, res) => {
    if (req.url !== '/auth/v1/.well-known/jwks.json') {
      res.writeHead(404).end();
      return;
    }
    state.fetches++;
    if (state.mode === 'hang') {
      hanging.add(res);
      return;
    }
    if (state.mode === 'error') {
      res.writeHead(503, { 'content-type': 'text/plain' }).end('down');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: state.keys }));
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    state,
    async close(): Promise<void> {
      for (const res of hanging) res.destroy();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A port nothing listens on: connections are refused. */
export async function closedPortUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

/** A signed-in user with the admin role, as the platform sets it (app_metadata, which users cannot edit). */
export const adminClaims = { sub: 'admin-1', role: 'authenticated', app_metadata: { role: 'admin' } };

/** A token of the project at projectUrl, signed with key: admin claims, its issuer, audience authenticated, 5 minutes. */
export function token(
  key: SigningKey,
  projectUrl: string,
  options: { claims?: Record<string, unknown>; iss?: string; aud?: string; exp?: string | number; kid?: string } = {},
) {
  return new SignJWT(options.claims ?? adminClaims)
    .setProtectedHeader({ alg: key.alg, kid: options.kid ?? key.kid, typ: 'JWT' })
    .setIssuer(options.iss ?? supabaseAuthEndpoints(projectUrl).issuer)
    .setAudience(options.aud ?? 'authenticated')
    .setIssuedAt()
    .setExpirationTime(options.exp ?? '5m')
    .sign(key.privateKey);
}
