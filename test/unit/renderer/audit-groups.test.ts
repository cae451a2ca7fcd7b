/**
 * Every audit kind the services write is in one of the manager's filter groups:
 * a kind missing from them would never show in the default audit view (a reset
 * PIN or a replayed terminal reference silently hidden from the manager).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { AUDIT_GROUPS } from '../../../renderer/src/lib/audit-text';

const MAIN = path.resolve(__dirname, '..', '..', '..', 'main');
function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = path.join(dir, n);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

describe('audit filter groups', () => {
  it('cover every audit kind written in main/', () => {
    const written = new Set<string>();
    for (const f of files(MAIN)) {
      for (const m of readFileSync(f, 'utf8').matchAll(/\b(?:append|record)\(\s*[^,()]+,\s*'((?:auth|user|refund|config|terminal|cli|recovery)\.[a-z_]+)'/g))
        written.add(m[1] as string);
    }
    // Kinds chosen by a ternary or a helper's parameter are listed where they are made.
    for (const k of ['refund.approved', 'refund.declined', 'user.enabled', 'user.unlocked', 'user.disabled']) written.add(k);
    expect(written.size).toBeGreaterThan(15);
    const grouped = new Set(Object.values(AUDIT_GROUPS).flat());
    expect([...written].filter((k) => !grouped.has(k)).sort()).toEqual([]);
  });
});

describe('the default audit view fits the listAudit request schema', () => {
  it('AUDIT_DEFAULT_KINDS is accepted by the operation it is sent with', async () => {
    const { operations } = await import('../../../preload/contract/api');
    const { AUDIT_DEFAULT_KINDS } = await import('../../../renderer/src/lib/audit-text');
    expect(operations.listAudit.request.safeParse({ limit: 50, kinds: [...AUDIT_DEFAULT_KINDS] }).success).toBe(true);
  });
});
