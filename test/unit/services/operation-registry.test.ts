/**
 * The handler registry feature modules register with: one handler per
 * operation (a second one is refused, a missing one stops the build), and
 * every handler runs behind its OPERATION_ACCESS rule.
 */
import { describe, expect, it } from 'vitest';
import { operations, type OperationName } from '../../../preload/contract/api';
import { ok } from '../../../preload/contract/result';
import { OPERATION_ACCESS } from '../../../main/features/access';
import { OperationRegistry, type FeatureHandler } from '../../../main/features/registry';
import { CounterSession } from '../../../main/services/session';

const ALL = Object.keys(operations) as OperationName[];

function fillAll(registry: OperationRegistry, calls: { name: OperationName; caller: unknown }[] = []): void {
  const r = registry.feature('everything');
  for (const name of ALL) {
    const handler = async (_req: unknown, caller: unknown) => {
      calls.push({ name, caller });
      return ok(null);
    };
    r.handle(name, handler as unknown as FeatureHandler<typeof name>);
  }
}

describe('operation registry', () => {
  it('refuses a second handler for one operation, naming both features', () => {
    const registry = new OperationRegistry(new CounterSession(300));
    registry.feature('refunds').handle('getRefund', async () => ok({}) as never);
    expect(() => registry.feature('reports').handle('getRefund', async () => ok({}) as never)).toThrow(
      /getRefund already has a handler \(from refunds\); reports/,
    );
  });

  it('refuses a name that is not an operation of the contract', () => {
    const registry = new OperationRegistry(new CounterSession(300));
    expect(() => registry.feature('x').handle('dropTables' as OperationName, async () => ok(null) as never)).toThrow(/not an operation of the contract/);
  });

  it('will not build while an operation has no handler, and names it', () => {
    const registry = new OperationRegistry(new CounterSession(300));
    const r = registry.feature('most');
    for (const name of ALL.filter((n) => n !== 'verifyAudit')) r.handle(name, (async () => ok(null)) as never);
    expect(() => registry.build()).toThrow(/No feature registered a handler for: verifyAudit$/);
  });

  it('builds one handler per operation when every operation is registered once', () => {
    const registry = new OperationRegistry(new CounterSession(300));
    fillAll(registry);
    expect(Object.keys(registry.build()).sort()).toEqual([...ALL].sort());
    for (const name of ALL) expect(registry.accessOf(name)).toBe(OPERATION_ACCESS[name]);
  });

  it('runs a gated handler only for a signed-in role its rule names, with that caller', async () => {
    let now = 0;
    const session = new CounterSession(300, () => now);
    const registry = new OperationRegistry(session);
    const calls: { name: OperationName; caller: unknown }[] = [];
    fillAll(registry, calls);
    const handlers = registry.build() as unknown as Record<OperationName, (req: unknown) => Promise<{ ok: boolean; error?: { code: string } }>>;

    for (const name of ALL) {
      const rule = OPERATION_ACCESS[name];
      session.signOut();
      const anon = await handlers[name]({});
      if (rule === 'public') {
        expect(anon.ok, name).toBe(true);
        continue;
      }
      expect(anon.error?.code, name).toBe('NOT_SIGNED_IN');
      for (const role of ['cashier', 'manager', 'technician'] as const) {
        session.signIn({ name: `u-${role}`, role });
        const r = await handlers[name]({});
        if ((rule as readonly string[]).includes(role)) expect(r.ok, `${name} as ${role}`).toBe(true);
        else expect(r.error?.code, `${name} as ${role}`).toBe('FORBIDDEN');
      }
    }
    // Refused calls never reached a feature; allowed ones got the signed-in person, public ones nobody.
    for (const c of calls) {
      const rule = OPERATION_ACCESS[c.name];
      if (rule === 'public') expect(c.caller).toBeNull();
      else expect((rule as readonly string[]).includes((c.caller as { role: string }).role), c.name).toBe(true);
    }
    expect(calls.filter((c) => OPERATION_ACCESS[c.name] !== 'public').length).toBe(
      ALL.reduce((n, name) => {
        const rule = OPERATION_ACCESS[name];
        return rule === 'public' ? n : n + rule.length;
      }, 0),
    );

    // A gated call counts as activity (keeps the idle lock away), as before the registry.
    session.signIn({ name: 'u', role: 'manager' });
    now = 200_000;
    await handlers.listUsers({});
    now = 400_000;
    expect(session.current(false)?.name).toBe('u');
  });
});
