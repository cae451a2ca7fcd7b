/**
 * The real composition root: every operation of the contract is answered by
 * exactly one feature module, and every handler as wired refuses the roles
 * OPERATION_ACCESS refuses even when called past dispatch()'s early gate.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { operations, type OperationName } from '../../../preload/contract/api';
import { OPERATION_ACCESS } from '../../../main/features/access';
import { signInAs, snapshot, startHarness, type Harness } from '../security/helpers';

const ALL = Object.keys(operations) as OperationName[];
const PEOPLE = { cashier: ['alice', '1470'], manager: ['maria', '246813'], technician: ['tom', '135792'] } as const;

describe('feature wiring', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness('rt-wiring-');
  }, 30_000);
  afterAll(async () => h?.close());

  it('has one owning feature for every operation, and no other', () => {
    const owners = h.services.operationOwners;
    expect([...owners.keys()].sort()).toEqual([...ALL].sort());
    // Grouped as the README's folder table says.
    expect(owners.get('submitRefund')).toBe('refunds');
    expect(owners.get('signIn')).toBe('people');
    expect(owners.get('addUser')).toBe('people');
    expect(owners.get('beginPairing')).toBe('terminal');
    expect(owners.get('setAntomConfig')).toBe('antom-settings');
    expect(owners.get('getDiagnosticsBundle')).toBe('diagnostics');
    expect(owners.get('setTimeZone')).toBe('store');
    expect(owners.get('verifyAudit')).toBe('reports');
    expect(new Set(owners.values())).toEqual(new Set(['app-status', 'people', 'refunds', 'store', 'reports', 'terminal', 'antom-settings', 'diagnostics']));
  });

  it('refuses, inside each handler, every role its access rule leaves out, changing nothing', async () => {
    const before = snapshot(h.dataDir);
    const handlers = h.services.handlers as unknown as Record<OperationName, (req: unknown) => Promise<{ ok: boolean; error?: { code: string } }>>;
    await h.call('signOut', {});
    for (const name of ALL) {
      if (OPERATION_ACCESS[name] === 'public') continue;
      expect((await handlers[name]({})).error?.code, name).toBe('NOT_SIGNED_IN');
    }
    for (const [role, [user, pin]] of Object.entries(PEOPLE)) {
      await signInAs(h, user, pin);
      for (const name of ALL) {
        const rule = OPERATION_ACCESS[name];
        if (rule === 'public' || (rule as readonly string[]).includes(role)) continue;
        // A payload that would not even validate: the refusal comes first.
        expect((await handlers[name]({ bogus: true })).error?.code, `${name} as ${role}`).toBe('FORBIDDEN');
      }
      await h.call('signOut', {});
    }
    const after = snapshot(h.dataDir);
    // Only sign-in/out entries were audited; no other table moved.
    const { audit: _a, ...restBefore } = before.tables;
    const { audit: _b, ...restAfter } = after.tables;
    expect(restAfter).toEqual(restBefore);
  }, 30_000);
});
