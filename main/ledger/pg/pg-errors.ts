/**
 * Whether an error from the store ledger means "the database cannot be
 * reached" (connection refused or lost, server shutting down or starting)
 * or "the live server refuses us right now" (no connection slot, login
 * refused, database gone, statement cancelled), as opposed to a fault in a
 * statement. Only the first kind may be told to a
 * cashier as "the store ledger is unreachable, nothing was refunded / it
 * continues when it is back".
 */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);

export function isStoreUnreachable(e: unknown): boolean {
  if (typeof e !== 'object' || e === null) return false;
  const x = e as { code?: unknown; message?: unknown; errors?: unknown };
  const code = typeof x.code === 'string' ? x.code : '';
  // SQLSTATE class 08 (connection exception); 57P01-57P03 (admin shutdown, crash shutdown, cannot connect now).
  if (NETWORK_CODES.has(code) || code.startsWith('08') || code === '57P01' || code === '57P02' || code === '57P03') return true;
  // A live server refusing us: class 53 (too many connections, out of memory, disk full), 28000/28P01 (the role or
  // its password changed), 3D000 (the database is gone or renamed), 57014 (statement cancelled or timed out).
  if (code.startsWith('53') || code === '28000' || code === '28P01' || code === '3D000' || code === '57014') return true;
  const msg = typeof x.message === 'string' ? x.message : '';
  // pg's own client-side timeouts (connectionTimeoutMillis, query_timeout: pg-connection.ts) say the same thing.
  if (
    /Connection terminated|connection timeout|Client has encountered a connection error|Connection ended|Query read timeout|timeout exceeded when trying to connect/i.test(
      msg,
    )
  )
    return true;
  // Node's AggregateError (IPv4 + IPv6 attempts) carries the per-address errors.
  return Array.isArray(x.errors) && x.errors.some((inner) => isStoreUnreachable(inner));
}

/**
 * The connection was lost while COMMIT was on its way: PostgreSQL may or may
 * not have committed, and nobody can tell until the database answers again.
 * A refund insert that ends this way must be reported as "may be recorded:
 * pending if so", never as "not started" (admission.ts storeGuard). Keeps the
 * original's message and code, so it is still "store unreachable".
 */
export class CommitOutcomeUnknownError extends Error {
  readonly code: string | undefined;
  constructor(readonly original: unknown) {
    super(original instanceof Error ? original.message : String(original));
    this.name = 'CommitOutcomeUnknownError';
    const code = (original as { code?: unknown } | null)?.code;
    this.code = typeof code === 'string' ? code : undefined;
  }
}

export function isCommitOutcomeUnknown(e: unknown): boolean {
  return e instanceof CommitOutcomeUnknownError;
}
