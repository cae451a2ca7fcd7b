/** Ledger selection: SQLite by default, store mode from env or config.json, validated, passwords never echoed. */
import { describe, expect, it } from 'vitest';
import { AppConfigSchema } from '../../../main/config/app-config';
import { describeLedgerSelection, redactStoreUrl, resolveLedgerSelection } from '../../../main/config/store-config';

const cfg = (ledger?: { url?: string; register?: string }) => AppConfigSchema.parse(ledger ? { ledger } : {});

describe('store mode configuration', () => {
  it('nothing configured is the embedded SQLite journal', () => {
    expect(resolveLedgerSelection(cfg(), {})).toEqual({ ok: true, value: { engine: 'sqlite' } });
  });

  it('reads config.json, and the environment wins over it', () => {
    const fromFile = resolveLedgerSelection(cfg({ url: 'postgres://rt@db.store/refunds', register: 'counter-1' }), {});
    expect(fromFile).toEqual({ ok: true, value: { engine: 'postgres', url: 'postgres://rt@db.store/refunds', register: 'counter-1' } });
    const fromEnv = resolveLedgerSelection(cfg({ url: 'postgres://rt@db.store/refunds', register: 'counter-1' }), {
      REFUND_TERMINAL_STORE_URL: 'postgresql://rt:pw@10.0.0.5:5433/ledger',
      REFUND_TERMINAL_REGISTER: 'till 2',
    });
    expect(fromEnv).toEqual({ ok: true, value: { engine: 'postgres', url: 'postgresql://rt:pw@10.0.0.5:5433/ledger', register: 'till 2' } });
  });

  it('store mode without a register, a bad register or a non-postgres URL is refused with a sentence that never repeats the password', () => {
    const noRegister = resolveLedgerSelection(cfg(), { REFUND_TERMINAL_STORE_URL: 'postgres://rt:hunter2@db/refunds' });
    expect(noRegister.ok).toBe(false);
    if (!noRegister.ok) expect(noRegister.error.message).toMatch(/REFUND_TERMINAL_REGISTER/);
    const badRegister = resolveLedgerSelection(cfg(), { REFUND_TERMINAL_STORE_URL: 'postgres://rt@db/refunds', REFUND_TERMINAL_REGISTER: 'a,b;c' });
    expect(badRegister.ok).toBe(false);
    for (const url of ['mysql://rt:hunter2@db/refunds', 'postgres://rt:hunter2@db', 'not a url hunter2']) {
      const r = resolveLedgerSelection(cfg(), { REFUND_TERMINAL_STORE_URL: url, REFUND_TERMINAL_REGISTER: 'c1' });
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error.message).not.toContain('hunter2');
    }
    expect(() => AppConfigSchema.parse({ ledger: { url: 'postgres://x@y/z', extra: 1 } })).toThrow();
  });

  it('redacts the password (and password-like parameters) wherever the URL is shown', () => {
    expect(redactStoreUrl('postgres://rt:hunter2@db:5432/refunds')).toBe('postgres://rt:***@db:5432/refunds');
    expect(redactStoreUrl('postgres://rt@db/refunds?sslpassword=x&sslmode=require')).toBe('postgres://rt@db/refunds?sslpassword=***&sslmode=require');
    expect(describeLedgerSelection({ engine: 'postgres', url: 'postgres://rt:hunter2@db/refunds', register: 'c1' })).not.toContain('hunter2');
  });
});
