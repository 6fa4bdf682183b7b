/**
 * Errors that mean "the database cannot be reached now" rather than "this request is wrong":
 * connection exceptions (SQLSTATE class 08), the server shutting down or restarting
 * (57P01-57P03), and the socket errors of a host that is down, unreachable or silent. A
 * request that failed this way may succeed later; a start-up that failed this way is retried.
 */
const unreachableCodes = new Set([
  '08000',
  '08001',
  '08003',
  '08004',
  '08006',
  '57P01',
  '57P02',
  '57P03',
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  // Ours: the schema is being prepared in the background (startup.ts).
  'EDBSTARTING',
]);

export function isUnreachable(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && unreachableCodes.has(code);
}

/**
 * `pg` reports deadlines and dropped connections with these messages and no code; the code
 * lets the rest of the app classify them (503 with Retry-After, a start-up retried) without
 * reading messages.
 */
const codeOfMessage: Record<string, string> = {
  'Query read timeout': 'ETIMEDOUT',
  'timeout expired': 'ETIMEDOUT',
  'timeout exceeded when trying to connect': 'ETIMEDOUT',
  'Connection terminated due to connection timeout': 'ETIMEDOUT',
  'Connection terminated unexpectedly': 'ECONNRESET',
  'Connection terminated': 'ECONNRESET',
};

/** Rethrows error with a code when `pg` gave it none (see codeOfMessage). */
export function withConnectionCode(error: unknown): never {
  if (error instanceof Error && !(error as { code?: unknown }).code) {
    const code = codeOfMessage[error.message];
    if (code) Object.assign(error, { code });
  }
  throw error;
}
