import { createHash, timingSafeEqual } from 'node:crypto';
import { createLocalJWKSet, createRemoteJWKSet, decodeProtectedHeader, type JWTPayload, type JWTVerifyGetKey, errors as joseErrors, jwtVerify } from 'jose';

export type AdminDecision =
  | { ok: true; principal: 'api-key' | `jwt:${string}` }
  | { ok: false; status: 401 | 403; message: string }
  /** The signing keys cannot be fetched and none is held: not the caller's fault, and never a pass. detail: why, for the log. */
  | { ok: false; status: 503; message: string; retryAfterSeconds: number; detail: string };

export interface AdminSecrets {
  adminApiKey?: string;
  /** Supabase's legacy shared secret: HS256 tokens. */
  supabaseJwtSecret?: string;
  /**
   * The Supabase project's URL: ES256/RS256 tokens verified against its published keys
   * (`<url>/auth/v1/.well-known/jwks.json`), and every token's issuer (`<url>/auth/v1`) and
   * audience (`authenticated`) checked, HS256 ones included.
   */
  supabaseUrl?: string;
  /** When set, a JWT must carry iat and be younger than this many seconds. */
  jwtMaxAgeSeconds?: number;
  /**
   * Fetching the key set: deadline of one fetch (3 s), how soon a token naming an unknown key may
   * fetch it again (30 s), and how long keys are used before they are fetched again (10 min).
   */
  jwks?: { timeoutMs?: number; cooldownMs?: number; cacheMaxAgeMs?: number };
}

/** The asymmetric algorithms Supabase signs with; `none`, HS256 and the rest never reach the key set. */
const asymmetricAlgorithms = ['ES256', 'RS256'];
/** What a Supabase user's token is for (its aud claim). */
const supabaseAudience = 'authenticated';
/** Seconds a client is told to wait when the key set cannot be fetched. */
const keysUnavailableRetryAfter = 5;

/** The token of an `Authorization: Bearer <token>` header, or null. */
export function bearerToken(header: string | undefined): string | null {
  // Stryker disable next-line ConditionalExpression: a shortcut; the pattern below matches no empty header either.
  if (!header) return null;
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
  return match ? (match[1] ?? null) : null;
}

/** Compares in time independent of where the strings differ (hashing first equalises lengths). */
export function constantTimeEqual(a: string, b: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(a), digest(b));
}

/** Supabase admins: `app_metadata.role = 'admin'` (set by the platform), or the service_role key. */
export function isAdminClaims(claims: JWTPayload): boolean {
  const appMetadata = claims.app_metadata as { role?: unknown } | undefined;
  return claims.role === 'service_role' || appMetadata?.role === 'admin';
}

export function adminAuthMode(secrets: AdminSecrets): string {
  const modes = [
    secrets.adminApiKey && 'ADMIN_API_KEY',
    secrets.supabaseUrl && 'Supabase JWT (project keys)',
    secrets.supabaseJwtSecret && 'Supabase JWT (legacy secret)',
  ].filter(Boolean);
  return modes.length ? modes.join(' or ') : 'disabled';
}

/** A Supabase project's auth endpoints, from its URL (SUPABASE_URL: an origin, with or without its slash). */
export function supabaseAuthEndpoints(supabaseUrl: string): { issuer: string; jwksUrl: URL } {
  const issuer = `${supabaseUrl.replace(/\/$/, '')}/auth/v1`;
  return { issuer, jwksUrl: new URL(`${issuer}/.well-known/jwks.json`) };
}

/**
 * The project's keys, fetched with a deadline and cached (jose's remote key set: a token naming
 * a key not held fetches the set again, at most once per cooldown, which is how a rotated-in key
 * is found). When a fetch fails, the keys last fetched keep verifying: an outage of the auth
 * server does not lock admins out. Only with no key held does it fail (KeysUnavailable).
 */
function projectKeys(jwksUrl: URL, options: AdminSecrets['jwks'] = {}): JWTVerifyGetKey {
  const remote = createRemoteJWKSet(jwksUrl, {
    timeoutDuration: options.timeoutMs ?? 3000,
    // jose's defaults otherwise: 30 s and 10 minutes.
    cooldownDuration: options.cooldownMs,
    cacheMaxAge: options.cacheMaxAgeMs,
  });
  return async (header, token) => {
    try {
      return await remote(header, token);
    } catch (error) {
      // No set held means no set was ever fetched: the error is the fetch's (timeout, network,
      // not a 200, not a key set), never a verdict on the token. With a set held, the token is
      // judged against it: a failed fetch then costs nothing, and a verdict comes out the same.
      const held = remote.jwks();
      if (!held) throw new KeysUnavailable(jwksUrl, error);
      return createLocalJWKSet(held)(header, token);
    }
  };
}

/** The key set could not be fetched and none was held. */
class KeysUnavailable extends Error {
  constructor(url: URL, cause: unknown) {
    super(`cannot fetch ${url.href}: ${(cause as Error).message}`);
  }
}

/**
 * Decides whether an Authorization header grants admin access:
 * no or malformed credentials → 401; a valid JWT without an admin role → 403; admin access
 * not configured at all → 403 for everyone; the project's keys unreachable with none held → 503.
 *
 * A JWT is verified by the algorithm its header names, against the key for that algorithm
 * only: HS256 with the legacy secret, ES256/RS256 with the project's published keys. An HS256
 * token "signed" with a public key is checked against the secret and fails; `none` matches neither.
 */
export function createAdminVerifier(secrets: AdminSecrets): (authorization: string | undefined) => Promise<AdminDecision> {
  const secretKey = secrets.supabaseJwtSecret ? new TextEncoder().encode(secrets.supabaseJwtSecret) : null;
  const project = secrets.supabaseUrl ? supabaseAuthEndpoints(secrets.supabaseUrl) : null;
  const keys = project ? projectKeys(project.jwksUrl, secrets.jwks) : null;
  const claimChecks = {
    // exp required: a leaked admin token that never expires would be a key for ever.
    requiredClaims: ['exp'],
    ...(project ? { issuer: project.issuer, audience: supabaseAudience } : {}),
    ...(secrets.jwtMaxAgeSeconds ? { maxTokenAge: secrets.jwtMaxAgeSeconds } : {}),
  };

  return async (authorization) => {
    if (!secrets.adminApiKey && !secretKey && !keys) {
      return { ok: false, status: 403, message: 'Admin endpoints are disabled: set ADMIN_API_KEY, SUPABASE_URL or SUPABASE_JWT_SECRET' };
    }
    const token = bearerToken(authorization);
    if (!token) return { ok: false, status: 401, message: 'Missing credentials: send Authorization: Bearer <token>' };

    if (secrets.adminApiKey && constantTimeEqual(token, secrets.adminApiKey)) return { ok: true, principal: 'api-key' };

    let claims: JWTPayload;
    try {
      const { alg } = decodeProtectedHeader(token);
      if (alg === 'HS256' && secretKey) {
        ({ payload: claims } = await jwtVerify(token, secretKey, { algorithms: ['HS256'], ...claimChecks }));
      } else {
        // Stryker disable next-line ConditionalExpression: equivalent: jose refuses a missing key with an error, which answers the same 401.
        if (!keys) return { ok: false, status: 401, message: 'Invalid credentials' };
        ({ payload: claims } = await jwtVerify(token, keys, { algorithms: asymmetricAlgorithms, ...claimChecks }));
      }
    } catch (error) {
      if (error instanceof KeysUnavailable) {
        return {
          ok: false,
          status: 503,
          message: 'Admin sign-in is unavailable: the project signing keys cannot be fetched',
          retryAfterSeconds: keysUnavailableRetryAfter,
          detail: error.message,
        };
      }
      const expired = error instanceof joseErrors.JWTExpired;
      return { ok: false, status: 401, message: expired ? 'Token expired' : 'Invalid credentials' };
    }
    if (!isAdminClaims(claims)) return { ok: false, status: 403, message: 'Admin role required' };
    return { ok: true, principal: `jwt:${claims.sub ?? 'service_role'}` };
  };
}
