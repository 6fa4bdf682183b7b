import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { adminAuthMode, bearerToken, constantTimeEqual, createAdminVerifier, isAdminClaims } from '../../../src/auth/verify.js';

const apiKey = 'unit-admin-key-0123456789';
const secret = 'unit-jwt-secret-0123456789-0123456789-xyz';

function sign(claims: Record<string, unknown>, options: { key?: string; exp?: string | number; alg?: string } = {}) {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: options.alg ?? 'HS256' })
    .setIssuedAt()
    .setExpirationTime(options.exp ?? '5m')
    .sign(new TextEncoder().encode(options.key ?? secret));
}

describe('bearerToken', () => {
  it.each([
    [undefined, null],
    ['', null],
    ['Basic abc', null],
    ['Bearer', null],
    ['Bearer abc def', null],
    ['Bearer abc', 'abc'],
    ['bearer   abc ', 'abc'],
    ['Token Bearer abc', null],
    ['xBearer abc', null],
  ])('%j → %j', (header, token) => {
    expect(bearerToken(header)).toBe(token);
  });
});

describe('constantTimeEqual', () => {
  it('compares strings of any length', () => {
    expect(constantTimeEqual('abc', 'abc')).toBe(true);
    expect(constantTimeEqual('abc', 'abd')).toBe(false);
    expect(constantTimeEqual('abc', 'abcd')).toBe(false);
  });
});

describe('isAdminClaims', () => {
  it('accepts app_metadata.role admin and the service_role, nothing else', () => {
    expect(isAdminClaims({ app_metadata: { role: 'admin' } })).toBe(true);
    expect(isAdminClaims({ role: 'service_role' })).toBe(true);
    expect(isAdminClaims({ role: 'authenticated' })).toBe(false);
    expect(isAdminClaims({ role: 'admin' })).toBe(false); // top-level role is Postgres's, not the app's
    expect(isAdminClaims({ user_metadata: { role: 'admin' } })).toBe(false); // users can edit user_metadata
  });
});

describe('createAdminVerifier', () => {
  const both = createAdminVerifier({ adminApiKey: apiKey, supabaseJwtSecret: secret });

  it('with nothing configured, refuses everyone with 403', async () => {
    const none = createAdminVerifier({});
    expect(await none(`Bearer ${apiKey}`)).toMatchObject({ ok: false, status: 403 });
    expect(adminAuthMode({})).toBe('disabled');
  });

  it('asks for credentials (401) when there are none', async () => {
    expect(await both(undefined)).toMatchObject({ ok: false, status: 401 });
    expect(await both('Basic xyz')).toMatchObject({ ok: false, status: 401 });
  });

  it('accepts the API key', async () => {
    expect(await both(`Bearer ${apiKey}`)).toEqual({ ok: true, principal: 'api-key' });
  });

  it('rejects a wrong key with 401, with or without JWT support', async () => {
    expect(await both('Bearer not-the-key')).toMatchObject({ ok: false, status: 401 });
    expect(await createAdminVerifier({ adminApiKey: apiKey })('Bearer not-the-key')).toMatchObject({ ok: false, status: 401 });
  });

  it('accepts admin JWTs and refuses valid non-admin ones with 403', async () => {
    expect(await both(`Bearer ${await sign({ sub: 'u1', app_metadata: { role: 'admin' } })}`)).toEqual({ ok: true, principal: 'jwt:u1' });
    expect(await both(`Bearer ${await sign({ role: 'service_role' })}`)).toMatchObject({ ok: true });
    expect(await both(`Bearer ${await sign({ sub: 'u2', role: 'authenticated' })}`)).toMatchObject({ ok: false, status: 403 });
  });

  it('refuses expired, foreign-signed and unsigned tokens with 401', async () => {
    expect(await both(`Bearer ${await sign({ role: 'service_role' }, { exp: Math.floor(Date.now() / 1000) - 60 })}`)).toMatchObject({
      status: 401,
      message: 'Token expired',
    });
    expect(await both(`Bearer ${await sign({ role: 'service_role' }, { key: 'someone-else-secret-0123456789-0123456' })}`)).toMatchObject({ status: 401 });
    const header = Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url');
    const payload = Buffer.from(JSON.stringify({ role: 'service_role' })).toString('base64url');
    expect(await both(`Bearer ${header}.${payload}.`)).toMatchObject({ status: 401 });
  });

  it('refuses an admin token that never expires (no exp claim) with 401', async () => {
    const forever = await new SignJWT({ role: 'service_role' }).setProtectedHeader({ alg: 'HS256' }).setIssuedAt().sign(new TextEncoder().encode(secret));
    expect(await both(`Bearer ${forever}`)).toMatchObject({ ok: false, status: 401 });
  });

  it('names the enabled methods for the start-up log', () => {
    expect(adminAuthMode({ adminApiKey: apiKey, supabaseJwtSecret: secret })).toBe('ADMIN_API_KEY or Supabase JWT (legacy secret)');
    expect(adminAuthMode({ supabaseUrl: 'https://ref.supabase.co', supabaseJwtSecret: secret })).toBe(
      'Supabase JWT (project keys) or Supabase JWT (legacy secret)',
    );
  });

  it('says why, in words a client can act on', async () => {
    expect(await createAdminVerifier({})('Bearer x')).toEqual({
      ok: false,
      status: 403,
      message: 'Admin endpoints are disabled: set ADMIN_API_KEY, SUPABASE_URL or SUPABASE_JWT_SECRET',
    });
    expect(await both(undefined)).toEqual({ ok: false, status: 401, message: 'Missing credentials: send Authorization: Bearer <token>' });
    expect(await createAdminVerifier({ adminApiKey: apiKey })('Bearer not-the-key')).toEqual({ ok: false, status: 401, message: 'Invalid credentials' });
    expect(await both('Bearer not-a-jwt')).toEqual({ ok: false, status: 401, message: 'Invalid credentials' });
    expect(await both(`Bearer ${await sign({ sub: 'u2', role: 'authenticated' })}`)).toEqual({ ok: false, status: 403, message: 'Admin role required' });
    expect(await both(`Bearer ${await sign({ role: 'service_role' })}`)).toEqual({ ok: true, principal: 'jwt:service_role' });
  });

  it('with only an API key, a JWT is not even looked at', async () => {
    const keyOnly = createAdminVerifier({ adminApiKey: apiKey });
    expect(await keyOnly(`Bearer ${await sign({ role: 'service_role' })}`)).toEqual({ ok: false, status: 401, message: 'Invalid credentials' });
    expect(adminAuthMode({ adminApiKey: apiKey })).toBe('ADMIN_API_KEY');
  });

  it('with a maximum age, an older token is expired even before its exp', async () => {
    const strict = createAdminVerifier({ supabaseJwtSecret: secret, jwtMaxAgeSeconds: 600 });
    const old = await new SignJWT({ role: 'service_role' })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuedAt(Math.floor(Date.now() / 1000) - 3600)
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode(secret));
    expect(await both(`Bearer ${old}`)).toMatchObject({ ok: true });
    expect(await strict(`Bearer ${old}`)).toEqual({ ok: false, status: 401, message: 'Token expired' });
    expect(await strict(`Bearer ${await sign({ role: 'service_role' })}`)).toMatchObject({ ok: true });
  });
});
