import { createHash, timingSafeEqual } from 'node:crypto';
import { type JWTPayload, errors as joseErrors, jwtVerify } from 'jose';

export type AdminDecision = { ok: true; principal: 'api-key' | `jwt:${string}` } | { ok: false; status: 401 | 403; message: string };

export interface AdminSecrets {
  adminApiKey?: string;
  supabaseJwtSecret?: string;
  /** When set, a JWT must carry iat and be younger than this many seconds. */
  jwtMaxAgeSeconds?: number;
}

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
  const modes = [secrets.adminApiKey && 'ADMIN_API_KEY', secrets.supabaseJwtSecret && 'Supabase JWT'].filter(Boolean);
  return modes.length ? modes.join(' or ') : 'disabled';
}

/**
 * Decides whether an Authorization header grants admin access:
 * no or malformed credentials → 401; a valid JWT without an admin role → 403; admin access
 * not configured at all → 403 for everyone.
 */
export function createAdminVerifier(secrets: AdminSecrets): (authorization: string | undefined) => Promise<AdminDecision> {
  const jwtKey = secrets.supabaseJwtSecret ? new TextEncoder().encode(secrets.supabaseJwtSecret) : null;

  return async (authorization) => {
    if (!secrets.adminApiKey && !jwtKey) {
      return { ok: false, status: 403, message: 'Admin endpoints are disabled: set ADMIN_API_KEY or SUPABASE_JWT_SECRET' };
    }
    const token = bearerToken(authorization);
    if (!token) return { ok: false, status: 401, message: 'Missing credentials: send Authorization: Bearer <token>' };

    if (secrets.adminApiKey && constantTimeEqual(token, secrets.adminApiKey)) return { ok: true, principal: 'api-key' };
    // Stryker disable next-line ConditionalExpression: equivalent: verifying with no key fails, which answers the same 401.
    if (!jwtKey) return { ok: false, status: 401, message: 'Invalid credentials' };

    let claims: JWTPayload;
    try {
      // exp required: a leaked admin token that never expires would be a key for ever.
      ({ payload: claims } = await jwtVerify(token, jwtKey, {
        algorithms: ['HS256'],
        requiredClaims: ['exp'],
        ...(secrets.jwtMaxAgeSeconds ? { maxTokenAge: secrets.jwtMaxAgeSeconds } : {}),
      }));
    } catch (error) {
      const expired = error instanceof joseErrors.JWTExpired;
      return { ok: false, status: 401, message: expired ? 'Token expired' : 'Invalid credentials' };
    }
    if (!isAdminClaims(claims)) return { ok: false, status: 403, message: 'Admin role required' };
    return { ok: true, principal: `jwt:${claims.sub ?? 'service_role'}` };
  };
}
