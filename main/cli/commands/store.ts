/**
 * `store serve --port N [--host 127.0.0.1]`: the endpoint Antom's notifyRefund
 * is pointed at (behind the merchant's TLS proxy), applying pushed results to
 * whichever journal the configuration selects (store-config.ts).
 * `store import`: moves this counter's SQLite journal into the store ledger
 * (main/store/import-sqlite.ts), idempotent.
 */
import os from 'node:os';
import { parseArgs } from 'node:util';
import { importPublicKey, publicKeyFingerprint, type VersionedPublicKey } from '../../antom/signing';
import { loadAppConfig, type AppConfig } from '../../config/app-config';
import { describeLedgerSelection, resolveLedgerSelection, type LedgerSelection } from '../../config/store-config';
import { openDataLedger } from '../../services/data-ledger';
import { importSqliteJournal } from '../../store/import-sqlite';
import { importStoreKeys, readStoreKeysFile, writeStoreKeysFile } from '../../store/store-keys';
import { createLogger } from '../../logging/logger';
import { resolveAntomConfig } from '../../services/core-services';
import { openStoreLedger } from '../../ledger/pg/pg-store';
import { forgetStoreMembership, installIdentity, recordStoreMembership, storeMembership } from '../../store/membership';
import { openSelectedJournal } from '../../store/open-journal';
import { startNotifyServer } from '../../store/notify-server';
import type { CliCommand, CliContext } from '../command';
import { EXIT } from '../exit-codes';

const USAGE = [
  'Usage: refund-terminal [--data-dir DIR] store serve --port N [--host 127.0.0.1] [--public-url URL]',
  "  serve   receive Antom's notifyRefund (point the merchant's TLS proxy at http://HOST:PORT/)",
  '  --port N     port to listen on (0 picks a free one)',
  '  --host ADDR  address to listen on (default 127.0.0.1: the TLS proxy runs on this PC)',
  '  --public-url URL  the notification URL Antom calls (e.g. https://shop.example/antom/notify) when the proxy forwards it',
  '               to another path: Antom signs the path it called, so the signature is checked against this one',
  '       refund-terminal [--data-dir DIR] store import [--store-keys FILE] [--json]',
  "  import  move this counter's SQLite journal into the store ledger (REFUND_TERMINAL_STORE_URL / ledger.url); safe to run again;",
  '          --store-keys FILE: the store keys (store keys export at a store counter) when this counter has keys of its own',
  '       refund-terminal [--data-dir DIR] store register claim --yes',
  "  register  move this counter's register name to this PC (the PC that held it was replaced; refused without --yes)",
  '       refund-terminal [--data-dir DIR] store leave [--yes]',
  '  leave   make this PC a single counter again (a store counter refuses its local journal without the store URL)',
  '       refund-terminal [--data-dir DIR] store keys export --out FILE',
  '       refund-terminal [--data-dir DIR] store keys import FILE',
  '  keys    every counter of a store holds the same audit key and PIN pepper: export them at a counter of the store (to a new',
  "          file only this user can read; carry it on removable media, then delete it), import them into a NEW counter's data folder first",
].join('\n');

async function keysCommand(args: readonly string[], ctx: CliContext): Promise<number> {
  const [op, ...rest] = args;
  if (op === 'export') {
    const { values } = parseArgs({ args: [...rest], options: { out: { type: 'string' } }, strict: true });
    if (values.out === undefined) {
      ctx.stderr.write(`store keys export needs --out FILE (a new file).\n${USAGE}\n`);
      return EXIT.BAD_INPUT;
    }
    const { ledger, keys } = await openDataLedger(ctx.dataDir);
    ledger.close();
    try {
      writeStoreKeysFile(values.out, keys);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      ctx.stderr.write(`${code === 'EEXIST' ? `${values.out} already exists; choose a new file.` : `Cannot write ${values.out}: ${(e as Error).message}`}\n`);
      return EXIT.BAD_INPUT;
    }
    ctx.stdout.write(`Store keys written to ${values.out} (readable by this user only). Import them on the new counter, then delete the file.\n`);
    return EXIT.SUCCESS;
  }
  if (op === 'import') {
    const { positionals } = parseArgs({ args: [...rest], options: {}, allowPositionals: true, strict: true });
    const file = positionals[0];
    if (file === undefined || positionals.length > 1) {
      ctx.stderr.write(`store keys import needs the file store keys export wrote.\n${USAGE}\n`);
      return EXIT.BAD_INPUT;
    }
    const r = await importStoreKeys(ctx.dataDir, file);
    if (!r.ok) {
      ctx.stderr.write(`${r.message}\n`);
      return EXIT.BAD_INPUT;
    }
    ctx.stdout.write(`Store keys imported into ${ctx.dataDir}. Delete ${file} now.\n`);
    return EXIT.SUCCESS;
  }
  ctx.stderr.write(`Which store keys command (export or import)?\n${USAGE}\n`);
  return EXIT.BAD_INPUT;
}

/**
 * The one deliberate way back from store mode to a single counter: forgets the
 * folder's store membership (membership.ts), audited in its own chain. Its
 * local journal then becomes the refund journal again, with none of the
 * store's refunds in it: hence --yes.
 */
async function leaveCommand(args: readonly string[], ctx: CliContext): Promise<number> {
  const { values } = parseArgs({ args: [...args], options: { yes: { type: 'boolean', default: false } }, strict: true });
  const { ledger, secrets } = await openDataLedger(ctx.dataDir);
  try {
    const m = await storeMembership(secrets);
    if (m === null) {
      ctx.stdout.write('This data folder is not marked as a store counter; nothing to do.\n');
      return EXIT.SUCCESS;
    }
    if (!values.yes) {
      ctx.stderr.write(
        `This counter is register "${m.register}" of ${m.store} (since ${m.since}). Leaving makes its local journal the refund journal again, ` +
          "without the store's refunds, cash and approvals: a payment refunded at another counter would look whole here. Run again with --yes only if this PC will be a single counter from now on.\n",
      );
      return EXIT.BAD_INPUT;
    }
    ledger.audit.append(`cli:${os.userInfo().username}`, 'store.leave', { register: m.register, store: m.store, since: m.since });
    await forgetStoreMembership(secrets);
    ctx.stdout.write(`This data folder is no longer register "${m.register}" of ${m.store}; it runs on its own journal from now on.\n`);
    return EXIT.SUCCESS;
  } finally {
    ledger.close();
  }
}

/** The configuration and its store ledger, or the sentence (written) and exit code when there is none. */
async function storeConfigured(
  ctx: CliContext,
): Promise<{ ok: true; loaded: { value: AppConfig }; sel: { value: Extract<LedgerSelection, { engine: 'postgres' }> } } | { ok: false; exitCode: number }> {
  const loaded = await loadAppConfig(ctx.dataDir);
  if (!loaded.ok) {
    ctx.stderr.write(`${loaded.error.message}\n`);
    return { ok: false, exitCode: EXIT.BAD_INPUT };
  }
  const sel = resolveLedgerSelection(loaded.value, ctx.env);
  if (!sel.ok || sel.value.engine !== 'postgres') {
    ctx.stderr.write(
      `${sel.ok ? 'No store ledger is configured: set REFUND_TERMINAL_STORE_URL and REFUND_TERMINAL_REGISTER (or ledger in config.json).' : sel.error.message}\n`,
    );
    return { ok: false, exitCode: EXIT.BAD_INPUT };
  }
  return { ok: true, loaded: { value: loaded.value }, sel: { value: sel.value } };
}

/**
 * `store register claim --yes`: moves this counter's register name to this
 * data folder (the PC that held it was replaced). Refused without --yes: two
 * live PCs under one name would each ask their own terminal for the other's
 * refunds (pg-registers.ts). Audited in the store chain with both identities.
 */
async function registerCommand(args: readonly string[], ctx: CliContext): Promise<number> {
  const [op, ...rest] = args;
  const { values } = parseArgs({ args: [...rest], options: { yes: { type: 'boolean', default: false } }, strict: true });
  if (op !== 'claim') {
    ctx.stderr.write(`Which store register command (claim)?\n${USAGE}\n`);
    return EXIT.BAD_INPUT;
  }
  const configured = await storeConfigured(ctx);
  if (!configured.ok) return configured.exitCode;
  const { loaded, sel } = configured;
  if (!values.yes) {
    ctx.stderr.write(
      `This moves register "${sel.value.register}" to this PC. Do it only if the PC that used it was replaced and is switched off for good: ` +
        "two PCs under one register would each ask their own terminal for the other's refunds. Run again with --yes.\n",
    );
    return EXIT.BAD_INPUT;
  }
  const data = await openDataLedger(ctx.dataDir, { config: loaded.value });
  try {
    const store = await openStoreLedger(sel.value.url, {
      register: sel.value.register,
      keys: data.keys,
      install: await installIdentity(data.secrets),
      takeOverRegister: { actor: `cli:${os.userInfo().username}` },
    });
    await store.close();
  } catch (e) {
    ctx.stderr.write(`The ${describeLedgerSelection(sel.value)} cannot be opened: ${(e as Error).message}\n`);
    return EXIT.JOURNAL_UNAVAILABLE;
  } finally {
    data.ledger.close();
  }
  ctx.stdout.write(`Register "${sel.value.register}" now belongs to this PC.\n`);
  return EXIT.SUCCESS;
}

async function importCommand(args: readonly string[], ctx: CliContext): Promise<number> {
  const { values } = parseArgs({ args: [...args], options: { json: { type: 'boolean', default: false }, 'store-keys': { type: 'string' } }, strict: true });
  const configured = await storeConfigured(ctx);
  if (!configured.ok) return configured.exitCode;
  const { loaded, sel } = configured;
  // A counter with its own history holds its own keys; the store's come from `store keys export` at a store counter.
  const storeKeys = values['store-keys'] === undefined ? null : readStoreKeysFile(values['store-keys']);
  if (storeKeys !== null && !storeKeys.ok) {
    ctx.stderr.write(`${storeKeys.message}\n`);
    return EXIT.BAD_INPUT;
  }
  const { ledger, keys, secrets } = await openDataLedger(ctx.dataDir, { config: loaded.value });
  try {
    const r = await importSqliteJournal(ledger, {
      url: sel.value.url,
      register: sel.value.register,
      storeKeys: storeKeys?.keys ?? keys,
      dataDir: ctx.dataDir,
    });
    if (!r.ok) {
      ctx.stderr.write(`${r.message}\n`);
      return r.code === 'LIVE_OWNER' || r.code === 'APP_RUNNING' || r.code === 'KEYS_MISMATCH' ? EXIT.BAD_INPUT : EXIT.JOURNAL_UNAVAILABLE;
    }
    const rep = r.report;
    // From now on this folder refuses to refund from its local journal without the store (membership.ts).
    await recordStoreMembership(secrets, { register: sel.value.register, store: describeLedgerSelection(sel.value) });
    if (values.json) {
      ctx.stdout.write(`${JSON.stringify(rep, null, 2)}\n`);
      return EXIT.SUCCESS;
    }
    const where = describeLedgerSelection(sel.value);
    // Rows that changed on one side after an earlier import are never overwritten, and never passed over in silence.
    const differs =
      rep.differing.length > 0
        ? `WARNING: ${rep.differing.length} refund(s) already in the store differ from this counter's journal and were NOT changed: ${rep.differing
            .slice(0, 5)
            .map((d) => `${d.refundRequestId} (here ${d.sqlite}; store ${d.store})`)
            .join('; ')}${rep.differing.length > 5 ? '; …' : ''}. Check each with \`status ID --refresh\` in store mode and settle it with support.\n`
        : '';
    ctx.stderr.write(differs);
    if (rep.nothingNew) {
      ctx.stdout.write(`Nothing new to import into the ${where}: ${rep.alreadyPresent} refund(s) are already there. Nothing was written.\n`);
      return EXIT.SUCCESS;
    }
    const lines = [
      `Imported into the ${where}: ${rep.refunds} refund(s) with ${rep.transitions} transition(s), ${rep.payments} payment(s), ${rep.otherRefunds} cash/store-credit refund(s), ${rep.auditEntries} audit entr${rep.auditEntries === 1 ? 'y' : 'ies'}${rep.alreadyPresent > 0 ? ` (${rep.alreadyPresent} refund(s) were already there and left as they are${rep.differing.length > 0 ? `, ${rep.differing.length} of them differ: see the warning` : ''})` : ''}.`,
      `This counter's audit chain ends at ${rep.sourceHead.seq}:${rep.sourceHead.hash}; the store chain records it (store.import).`,
      rep.unfinished.length > 0
        ? `${rep.unfinished.length} unfinished refund(s) (${rep.unfinished.slice(0, 5).join(', ')}${rep.unfinished.length > 5 ? ', …' : ''}) continue from the store ledger once this counter runs in store mode, with the same refundRequestId: Antom never sees a second refund.`
        : 'Every imported refund is final.',
      'From now on run this counter in store mode only; its SQLite journal stays as it was (read-only history).',
    ];
    ctx.stdout.write(`${lines.join('\n')}\n`);
    return EXIT.SUCCESS;
  } catch (e) {
    ctx.stderr.write(`The import failed and nothing was imported: ${(e as Error).message}\n`);
    return EXIT.JOURNAL_UNAVAILABLE;
  } finally {
    ledger.close();
  }
}

function waitForSignal(): Promise<void> {
  return new Promise((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}

/** undefined: not given; null: not a usable absolute http(s) URL. */
function parsePublicUrl(raw: string | undefined): URL | undefined | null {
  if (raw === undefined) return undefined;
  if (raw.length > 2_048) return null;
  try {
    const u = new URL(raw);
    return (u.protocol === 'https:' || u.protocol === 'http:') && u.hash === '' && u.username === '' && u.password === '' ? u : null;
  } catch {
    return null;
  }
}

/** `until` lets tests stop the endpoint without sending a signal. */
export async function runStoreServe(args: readonly string[], ctx: CliContext, until: Promise<void> = waitForSignal()): Promise<number> {
  const { values } = parseArgs({
    args: [...args],
    options: { port: { type: 'string' }, host: { type: 'string', default: '127.0.0.1' }, 'public-url': { type: 'string' } },
    strict: true,
  });
  const publicUrl = parsePublicUrl(values['public-url']);
  if (publicUrl === null) {
    ctx.stderr.write(`--public-url must be the full http(s) notification URL Antom calls, e.g. https://shop.example/antom/notify.\n${USAGE}\n`);
    return EXIT.BAD_INPUT;
  }
  const port = Number(values.port);
  if (values.port === undefined || !Number.isInteger(port) || port < 0 || port > 65535) {
    ctx.stderr.write(`--port must be a number from 0 to 65535${values.port === undefined ? '' : `, not "${values.port}"`}.\n${USAGE}\n`);
    return EXIT.BAD_INPUT;
  }
  const host = values.host ?? '127.0.0.1';
  const loaded = await loadAppConfig(ctx.dataDir);
  if (!loaded.ok) {
    ctx.stderr.write(`${loaded.error.message}\n`);
    return EXIT.BAD_INPUT;
  }
  const opened = await openSelectedJournal(ctx.dataDir, loaded.value, ctx.env);
  if (!opened.ok) {
    ctx.stderr.write(`${opened.message}\n`);
    return EXIT.JOURNAL_UNAVAILABLE;
  }
  const { journal, secrets, description } = opened.value;
  const antom = await resolveAntomConfig(loaded.value, secrets, ctx.env);
  if (!antom.ok) {
    await opened.value.close();
    ctx.stderr.write(`Notifications cannot be verified: ${antom.error.message}\n`);
    return EXIT.BAD_INPUT;
  }
  const keys: VersionedPublicKey[] = [];
  for (const k of antom.value.antomPublicKeys) {
    const imported = importPublicKey(k.pem, "Antom's public key");
    if (!imported.ok) {
      await opened.value.close();
      ctx.stderr.write(`${imported.error.message}\n`);
      return EXIT.BAD_INPUT;
    }
    keys.push({ keyVersion: k.keyVersion, key: imported.value, fingerprint: publicKeyFingerprint(imported.value) });
  }
  const log = createLogger({ dataDir: ctx.dataDir });
  let server;
  try {
    server = await startNotifyServer({
      journal,
      clientId: antom.value.clientId,
      antomPublicKeys: keys,
      port,
      host,
      log,
      ...(publicUrl !== undefined ? { publicUrl } : {}),
    });
  } catch (e) {
    await opened.value.close();
    ctx.stderr.write(`Cannot listen on ${host}:${port}: ${(e as Error).message}\n`);
    return EXIT.BAD_INPUT;
  }
  ctx.stdout.write(
    [
      `Receiving Antom's notifyRefund for the ${description}.`,
      `NOTIFY-URL: ${server.url}/`,
      `SIGNED-PATH: ${server.verifiedPath}`,
      publicUrl === undefined
        ? "Point the merchant's TLS proxy (the refundNotifyUrl / Dashboard notification URL) at it, forwarding the path unchanged (or give --public-url). Press Ctrl+C to stop."
        : `Point the merchant's TLS proxy (${publicUrl.href}) at it; Antom's signature is checked against ${publicUrl.pathname}. Press Ctrl+C to stop.`,
    ].join('\n') + '\n',
  );
  await until;
  ctx.stdout.write('Stopping…\n');
  await server.close();
  await opened.value.close();
  return EXIT.SUCCESS;
}

export const storeCommand: CliCommand = {
  name: 'store',
  summary: "Store mode: receive Antom's notifyRefund (store serve), move this counter's journal into the store ledger (store import)",
  usage: USAGE,
  async run(args, ctx) {
    const [sub, ...rest] = args;
    if (sub === 'serve') return runStoreServe(rest, ctx);
    if (sub === 'import') return importCommand(rest, ctx);
    if (sub === 'keys') return keysCommand(rest, ctx);
    if (sub === 'leave') return leaveCommand(rest, ctx);
    if (sub === 'register') return registerCommand(rest, ctx);
    ctx.stderr.write(`${sub === undefined ? 'Which store command?' : `Unknown store command "${sub}".`}\n${USAGE}\n`);
    return EXIT.BAD_INPUT;
  },
};
