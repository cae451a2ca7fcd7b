import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const dir = path.resolve(__dirname, '../../../renderer/src/i18n');
type Tree = { [k: string]: string | Tree };
const load = (lang: string): Tree => JSON.parse(readFileSync(path.join(dir, `${lang}.json`), 'utf8')) as Tree;

function leaves(tree: Tree, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of Object.entries(tree)) {
    if (typeof v === 'string') out.set(prefix + k, v);
    else for (const [kk, vv] of leaves(v, `${prefix}${k}.`)) out.set(kk, vv);
  }
  return out;
}

function sourceFiles(root: string): string[] {
  return readdirSync(root).flatMap((name) => {
    const full = path.join(root, name);
    if (statSync(full).isDirectory()) return sourceFiles(full);
    return /\.(ts|tsx)$/.test(name) ? [full] : [];
  });
}

describe('i18n resources', () => {
  const en = leaves(load('en'));
  const zh = leaves(load('zh'));

  it('en and zh have exactly the same keys', () => {
    expect([...zh.keys()].sort()).toEqual([...en.keys()].sort());
  });

  it('no message is empty and interpolation variables match between languages', () => {
    const vars = (s: string): string[] => [...s.matchAll(/\{\{(\w+)\}\}/g)].map((m) => m[1] ?? '').sort();
    for (const [key, text] of en) {
      expect(text.trim(), key).not.toBe('');
      expect((zh.get(key) ?? '').trim(), key).not.toBe('');
      expect(vars(zh.get(key) ?? ''), key).toEqual(vars(text));
    }
  });

  it('does not use i18next plural suffixes (they would break en/zh key parity)', () => {
    for (const key of en.keys()) expect(key).not.toMatch(/_(zero|one|two|few|many|other)$/);
  });

  it('every literal key used in the renderer exists', () => {
    const missing: string[] = [];
    for (const file of sourceFiles(path.resolve(__dirname, '../../../renderer/src'))) {
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/\bt\('([a-zA-Z0-9_.]+)'/g)) {
        const key = m[1] ?? '';
        if (!en.has(key)) missing.push(`${path.basename(file)}: ${key}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('has a sentence for every API error code', () => {
    const api = readFileSync(path.resolve(__dirname, '../../../preload/contract/api.ts'), 'utf8');
    const union = api.slice(api.indexOf('export type ApiErrorCode'), api.indexOf(';', api.indexOf('export type ApiErrorCode')));
    const codes = [...union.matchAll(/'([A-Z_]+)'/g)].map((m) => m[1]);
    expect(codes.length).toBeGreaterThan(10);
    for (const code of codes) expect(en.has(`errors.${code}`), code).toBe(true);
  });

  it('has a label for every refund state and next action', async () => {
    const { RefundState, NextAction } = await import('../../../preload/contract/refunds');
    for (const s of RefundState.options) expect(en.has(`refundState.${s}`), s).toBe(true);
    for (const a of NextAction.options) expect(en.has(`nextAction.${a}`), a).toBe(true);
  });

  it('has every key built at run time from a value', () => {
    const families: Record<string, readonly string[]> = {
      'terminal.state': ['unknown', 'disconnected', 'connecting', 'unpaired', 'authenticated', 'down'],
      'pairing.step': ['devices', 'code', 'test', 'done'],
      'antom.modes': ['demo-sandbox', 'configured', 'unconfigured'],
      refundStatus: ['SUCCESS', 'FAILED', 'PENDING', 'AWAITING_APPROVAL', 'DECLINED', 'IN_PROGRESS'],
      'signIn.locked': ['idle', 'expired'],
      'amount.error': ['EMPTY', 'NOT_A_NUMBER', 'TOO_MANY_DECIMALS', 'NOT_POSITIVE', 'TOO_LARGE', 'UNKNOWN_CURRENCY', 'OVER_REFUNDABLE'],
      'scan.error': ['EMPTY', 'INVALID'],
      roles: ['cashier', 'manager', 'technician'],
      nav: ['refund', 'dashboard', 'policy', 'store', 'users', 'audit', 'pairing', 'diagnostics', 'antom'],
      'progress.step': ['saving', 'reference', 'antom'],
      reasons: ['RETURNED_GOODS', 'WRONG_AMOUNT', 'DUPLICATE_PAYMENT', 'CHANGED_MIND', 'DAMAGED_ITEM', 'OTHER'],
      'other.method': ['CASH', 'STORE_CREDIT'],
      'audit.groups': ['default', 'refunds', 'approvals', 'other', 'people', 'signIns', 'settings', 'terminal', 'all'],
      'auditText.pairing': ['begin', 'confirm', 'unpair'],
      'errors.terminal': ['PAIR_CODE_MISMATCH', 'PAIR_LOCKED'],
      'errors.reason': ['USER_EXISTS'],
    };
    for (const [prefix, values] of Object.entries(families)) for (const v of values) expect(en.has(`${prefix}.${v}`), `${prefix}.${v}`).toBe(true);
  });
});
