/**
 * Every operation that crosses a process boundary answers with a tagged union:
 * either `ok: true` with a value, or `ok: false` with a typed error code and a
 * message a person can act on. Nothing throws across IPC or HTTP.
 */
export type Ok<T> = { readonly ok: true; readonly value: T };
export type Err<C extends string = string> = {
  readonly ok: false;
  readonly error: { readonly code: C; readonly message: string; readonly details?: Record<string, unknown> };
};
export type Result<T, C extends string = string> = Ok<T> | Err<C>;

export function ok<T>(value: T): Ok<T> {
  return { ok: true, value };
}

export function err<C extends string>(code: C, message: string, details?: Record<string, unknown>): Err<C> {
  return details === undefined ? { ok: false, error: { code, message } } : { ok: false, error: { code, message, details } };
}
