/**
 * Shared by the security tests: the REAL app services (demo mode: local Antom
 * sandbox + virtual terminal + SQLite journal) on a throwaway data folder, a
 * typed way to call operations through dispatch() exactly as IPC and the
 * browser host do, and a snapshot of every piece of persistent state.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { OperationName, ResponseOf } from '../../../preload/contract/api';
import { dispatch } from '../../../main/services/api-dispatch';
import { startAppServices, type AppServices } from '../../../main/services/app-services';

export interface Harness {
  readonly dataDir: string;
  readonly services: AppServices;
  call<N extends OperationName>(name: N, payload: unknown): Promise<ResponseOf<N>>;
  close(): Promise<void>;
}

export async function startHarness(prefix = 'rt-sec-'): Promise<Harness> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), prefix));
  const services = await startAppServices({ dataDir, hostKind: 'browser', env: { ...process.env, REFUND_TERMINAL_DEMO: '1' } });
  return {
    dataDir,
    services,
    call: (name, payload) => dispatch(services.handlers, name, payload, services.log, services.authorize),
    async close() {
      await services.close();
      // Give pino's async file stream a moment before the folder goes.
      await new Promise((r) => setTimeout(r, 50));
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Waits until the demo link has paired with the virtual terminal (the pairing is written to secrets.json). */
export async function waitForTerminal(h: Harness, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const s = await h.call('getTerminalStatus', {});
    if (s.ok && s.value.state === 'authenticated') return;
    if (Date.now() > deadline) throw new Error(`terminal never authenticated: ${JSON.stringify(s)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function signInAs(h: Harness, userName: string, pin: string): Promise<void> {
  const r = await h.call('signIn', { userName, pin });
  if (!r.ok) throw new Error(`sign-in as ${userName} failed: ${r.error.code}`);
}

export interface StateSnapshot {
  /** Per table: row count and a digest of every row (so an UPDATE shows, not only an INSERT). */
  readonly tables: Record<string, { rows: number; digest: string }>;
  readonly auditHead: { seq: number; hash: string } | null;
  readonly secretsJson: string | null;
  readonly configJson: string | null;
  readonly prototypeKeys: string[];
}

function digestFile(file: string): string | null {
  return existsSync(file) ? createHash('sha256').update(readFileSync(file)).digest('hex') : null;
}

/** Every persistent thing an operation could change, read from disk (SQLite opened read-only). */
export function snapshot(dataDir: string): StateSnapshot {
  const db = new Database(path.join(dataDir, 'ledger.sqlite'), { readonly: true, fileMustExist: true });
  try {
    const names = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").all() as { name: string }[];
    const tables: Record<string, { rows: number; digest: string }> = {};
    for (const { name } of names) {
      const rows = db.prepare(`SELECT * FROM "${name.replace(/"/g, '""')}" ORDER BY rowid`).all();
      tables[name] = { rows: rows.length, digest: createHash('sha256').update(JSON.stringify(rows)).digest('hex') };
    }
    const head = db.prepare('SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1').get() as { seq: number; hash: string } | undefined;
    return {
      tables,
      auditHead: head ?? null,
      secretsJson: digestFile(path.join(dataDir, 'secrets.json')),
      configJson: digestFile(path.join(dataDir, 'config.json')),
      prototypeKeys: prototypeFingerprint(),
    };
  } finally {
    db.close();
  }
}

/** Own property names of the built-in prototypes a pollution would touch. */
export function prototypeFingerprint(): string[] {
  const protos: [string, object][] = [
    ['Object', Object.prototype],
    ['Array', Array.prototype],
    ['Function', Function.prototype],
    ['String', String.prototype],
  ];
  return protos.flatMap(([label, p]) => Object.getOwnPropertyNames(p).map((k) => `${label}.${k}`)).sort();
}
