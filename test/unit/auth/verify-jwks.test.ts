import { createHmac } from 'node:crypto';
import { exportSPKI, SignJWT } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type AdminSecrets, createAdminVerifier, supabaseAuthEndpoints } from '../../../src/auth/verify.js';
import { adminClaims, closedPortUrl, type SigningKey, signingKey, startKeyServer, token } from '../../helpers/jwks.js';

/*
 * Admin sign-in with a Supabase project's asymmetric keys, against a key server on loopback
 * (test/helpers/jwks.ts) that publishes the set as Supabase does and can be made to fail.
 */

const legacySecret = 'unit-jwt-secret-0123456789-0123456789-xyz';

/** A token whose parts are given as they are, signed with HMAC-SHA256 over `secret` (any bytes). */
function hmacToken(header: Record<string, unknown>, payload: Record<string, unknown>, secret: string): string {
  const encode = (part: Record<string, unknown>) => Buffer.from(JSON.stringify(part)).toString('base64url');
  const signingInput = `${encode(header)}.${encode(payload)}`;
  return `${signingInput}.${createHmac('sha256', secret).update(signingInput).digest('base64url')}`;
}

describe('supabaseAuthEndpoints', () => {
  it('derives the issuer and the key set URL from the project URL, with or without a trailing slash', () => {
    for (const url of ['https://abc.supabase.co', 'https://abc.supabase.co/']) {
      const { issuer, jwksUrl } = supabaseAuthEndpoints(url);
      expect(issuer).toBe('https://abc.supabase.co/auth/v1');
      expect(jwksUrl.href).toBe('https://abc.supabase.co/auth/v1/.well-known/jwks.json');
    }
  });
});

describe('admin sign-in with the project keys (JWKS)', () => {
  let keyServer: Awaited<ReturnType<typeof startKeyServer>>;
  let es256: SigningKey;
  let rs256: SigningKey;
  let other: SigningKey;

  beforeAll(async () => {
    keyServer = await startKeyServer();
    [es256, rs256, other] = await Promise.all([signingKey('es-1', 'ES256'), signingKey('rs-1', 'RS256'), signingKey('es-other', 'ES256')]);
  });
  afterAll(() => keyServer?.close());
  afterEach(() => {
    keyServer.state.mode = 'serve';
    keyServer.state.keys = [es256.publicJwk, rs256.publicJwk];
    keyServer.state.fetches = 0;
  });

  const verifier = (overrides: Partial<AdminSecrets> = {}) =>
    createAdminVerifier({ supabaseUrl: keyServer.url, jwks: { timeoutMs: 300, cooldownMs: 0 }, ...overrides });
  const bearer = (jwt: string) => `Bearer ${jwt}`;

  it('accepts ES256 and RS256 admin tokens of the project', async () => {
    keyServer.state.keys = [es256.publicJwk, rs256.publicJwk];
    const verify = verifier();
    expect(await verify(bearer(await token(es256, keyServer.url)))).toEqual({ ok: true, principal: 'jwt:admin-1' });
    expect(await verify(bearer(await token(rs256, keyServer.url)))).toEqual({ ok: true, principal: 'jwt:admin-1' });
    // Keys are cached: one fetch for both.
    expect(keyServer.state.fetches).toBe(1);
  });

  it('refuses a signed-in user without the admin role with 403', async () => {
    keyServer.state.keys = [es256.publicJwk];
    const user = await token(es256, keyServer.url, { claims: { sub: 'user-1', role: 'authenticated', app_metadata: { provider: 'email' } } });
    expect(await verifier()(bearer(user))).toEqual({ ok: false, status: 403, message: 'Admin role required' });
  });

  it('refuses wrong issuer, wrong audience, unknown key, expired and tokens of another project with 401', async () => {
    keyServer.state.keys = [es256.publicJwk];
    const verify = verifier();
    const invalid = { ok: false, status: 401, message: 'Invalid credentials' };
    expect(await verify(bearer(await token(es256, keyServer.url, { iss: 'https://evil.example/auth/v1' })))).toEqual(invalid);
    expect(await verify(bearer(await token(es256, keyServer.url, { aud: 'anon' })))).toEqual(invalid);
    // Signed by a key the project does not publish, under a kid it does not know, or under one it does.
    expect(await verify(bearer(await token(other, keyServer.url)))).toEqual(invalid);
    expect(await verify(bearer(await token(other, keyServer.url, { kid: es256.kid })))).toEqual(invalid);
    expect(await verify(bearer(await token(es256, keyServer.url, { exp: Math.floor(Date.now() / 1000) - 60 })))).toEqual({
      ok: false,
      status: 401,
      message: 'Token expired',
    });
    // Another project: its issuer, its key.
    expect(await verify(bearer(await token(other, 'https://other-project.supabase.co')))).toEqual(invalid);
  });

  it('refuses a token without exp, alg none, and HS256 "signed" with the public key, with or without the legacy secret', async () => {
    keyServer.state.keys = [es256.publicJwk];
    const { issuer } = supabaseAuthEndpoints(keyServer.url);
    const claims = { ...adminClaims, iss: issuer, aud: 'authenticated', exp: Math.floor(Date.now() / 1000) + 300 };
    const noExp = await new SignJWT(adminClaims)
      .setProtectedHeader({ alg: 'ES256', kid: es256.kid })
      .setIssuer(issuer)
      .setAudience('authenticated')
      .sign(es256.privateKey);
    const none = `${Buffer.from(JSON.stringify({ alg: 'none', kid: es256.kid })).toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.`;
    const publicPem = await exportSPKI(es256.publicKey);
    const confusedPem = hmacToken({ alg: 'HS256', kid: es256.kid }, claims, publicPem);
    const confusedJwk = hmacToken({ alg: 'HS256', kid: es256.kid }, claims, JSON.stringify(es256.publicJwk));
    for (const verify of [verifier(), verifier({ supabaseJwtSecret: legacySecret })]) {
      for (const jwt of [noExp, none, confusedPem, confusedJwk]) {
        expect(await verify(bearer(jwt))).toEqual({ ok: false, status: 401, message: 'Invalid credentials' });
      }
    }
    // One fetch per verifier, for the token without exp: no other reached a key (alg none and
    // HS256 are refused before any key is looked up, or checked against the secret).
    expect(keyServer.state.fetches).toBe(2);
  });

  it('accepts a key added to the set later (rotation): a token naming an unknown key fetches the set again', async () => {
    keyServer.state.keys = [es256.publicJwk];
    const verify = verifier();
    expect(await verify(bearer(await token(es256, keyServer.url)))).toMatchObject({ ok: true });
    const rotated = await signingKey('es-2', 'ES256');
    const fresh = await token(rotated, keyServer.url);
    expect(await verify(bearer(fresh))).toMatchObject({ ok: false, status: 401 });
    keyServer.state.keys = [es256.publicJwk, rotated.publicJwk];
    expect(await verify(bearer(fresh))).toEqual({ ok: true, principal: 'jwt:admin-1' });
    expect(keyServer.state.fetches).toBe(3);
  });

  it('fetches an unknown key at most once per cooldown', async () => {
    keyServer.state.keys = [es256.publicJwk];
    const verify = verifier({ jwks: { timeoutMs: 300, cooldownMs: 60_000 } });
    expect(await verify(bearer(await token(es256, keyServer.url)))).toMatchObject({ ok: true });
    for (let i = 0; i < 5; i++) expect(await verify(bearer(await token(other, keyServer.url)))).toMatchObject({ ok: false, status: 401 });
    expect(keyServer.state.fetches).toBe(1);
  });

  it.each([
    ['answers an error', 'error' as const],
    ['hangs', 'hang' as const],
  ])('when the key server %s and no key is held: 503 with a retry delay, within the deadline, never a pass', async (_, mode) => {
    keyServer.state.mode = mode;
    const started = performance.now();
    const decision = await verifier()(bearer(await token(es256, keyServer.url)));
    expect(decision).toEqual({
      ok: false,
      status: 503,
      message: 'Admin sign-in is unavailable: the project signing keys cannot be fetched',
      retryAfterSeconds: 5,
      // For the operator's log: where, and jose's reason.
      detail: `cannot fetch ${keyServer.url}/auth/v1/.well-known/jwks.json: ${mode === 'hang' ? 'request timed out' : 'Expected 200 OK from the JSON Web Key Set HTTP response'}`,
    });
    // The fetch deadline is 300 ms here.
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it('when nothing listens at the project URL: 503', async () => {
    const verify = createAdminVerifier({ supabaseUrl: await closedPortUrl(), jwks: { timeoutMs: 300 } });
    expect(await verify(bearer(await token(es256, keyServer.url)))).toMatchObject({ ok: false, status: 503 });
  });

  it('an API key still works while the key server is down', async () => {
    keyServer.state.mode = 'error';
    const verify = verifier({ adminApiKey: 'unit-admin-key-0123456789' });
    expect(await verify('Bearer unit-admin-key-0123456789')).toEqual({ ok: true, principal: 'api-key' });
    expect(keyServer.state.fetches).toBe(0);
  });

  it.each([
    ['answers an error', 'error' as const],
    ['hangs', 'hang' as const],
  ])('keys already fetched keep verifying when the key server %s, even once they are due to be fetched again', async (_, mode) => {
    keyServer.state.keys = [es256.publicJwk];
    const verify = verifier({ jwks: { timeoutMs: 300, cooldownMs: 0, cacheMaxAgeMs: 50 } });
    const jwt = await token(es256, keyServer.url);
    expect(await verify(bearer(jwt))).toMatchObject({ ok: true });
    keyServer.state.mode = mode;
    await new Promise((r) => setTimeout(r, 80));
    expect(await verify(bearer(jwt))).toEqual({ ok: true, principal: 'jwt:admin-1' });
    expect(keyServer.state.fetches).toBe(2);
    // A key the held set lacks is still refused, not waved through.
    expect(await verify(bearer(await token(other, keyServer.url)))).toMatchObject({ ok: false, status: 401 });
  });

  it('a key set that is not one is a failure to fetch (503), not a verdict on the token', async () => {
    keyServer.state.keys = 'not a key set' as never;
    expect(await verifier()(bearer(await token(es256, keyServer.url)))).toMatchObject({ ok: false, status: 503 });
  });
});

describe('the legacy secret (HS256) with SUPABASE_URL set', () => {
  const projectUrl = 'https://abc.supabase.co';
  const { issuer } = supabaseAuthEndpoints(projectUrl);
  const verify = createAdminVerifier({ supabaseUrl: projectUrl, supabaseJwtSecret: legacySecret, jwks: { timeoutMs: 300 } });
  const hs256 = (claims: Record<string, unknown>) =>
    new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setIssuedAt().setExpirationTime('5m').sign(new TextEncoder().encode(legacySecret));

  it('checks issuer and audience too', async () => {
    expect(await verify(`Bearer ${await hs256({ ...adminClaims, iss: issuer, aud: 'authenticated' })}`)).toEqual({ ok: true, principal: 'jwt:admin-1' });
    expect(await verify(`Bearer ${await hs256({ ...adminClaims, aud: 'authenticated' })}`)).toMatchObject({ ok: false, status: 401 });
    expect(await verify(`Bearer ${await hs256({ ...adminClaims, iss: issuer })}`)).toMatchObject({ ok: false, status: 401 });
    expect(await verify(`Bearer ${await hs256({ ...adminClaims, iss: 'https://other.supabase.co/auth/v1', aud: 'authenticated' })}`)).toMatchObject({
      ok: false,
      status: 401,
    });
  });

  it('without the legacy secret, an HS256 token is refused without asking for keys', async () => {
    const keysOnly = createAdminVerifier({ supabaseUrl: await closedPortUrl(), jwks: { timeoutMs: 300 } });
    // A 503 would mean it went to fetch keys for an algorithm it must not use them with.
    expect(await keysOnly(`Bearer ${await hs256({ ...adminClaims, iss: issuer, aud: 'authenticated' })}`)).toEqual({
      ok: false,
      status: 401,
      message: 'Invalid credentials',
    });
  });
});
