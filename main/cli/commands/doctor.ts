/**
 * `doctor [--json] [--online]`: a technician's checklist. Every problem comes
 * with the fix; the exit code is non-zero when any check fails.
 * Checks: configuration, secret protection, serial port present and
 * permitted (group membership spelled out), udev rule (Linux), paired terminal
 * reachable and authenticated, Antom endpoint configured (and, with --online,
 * reachable with valid signatures), and refunds stopped because the terminal
 * replayed a reference.
 */
import { promises as fs, constants as fsConstants, statSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { describePortError, listTerminalCandidates } from '../../../native-bridge';
import { createAntomGateway, type AntomGateway } from '../../antom';
import { isDemoMode, loadAppConfig, type AppConfig } from '../../config/app-config';
import { describeLedgerSelection, resolveLedgerSelection } from '../../config/store-config';
import type { RefundRow } from '../../ledger/rows';
import { resolveMinFreeBytes } from '../../ledger/disk-space';
import { journalHealth, storeJournalHealth } from '../../ledger/journal-alarm-file';
import { inspectJournalFile, journalProblemMessage } from '../../ledger/journal-file';
import { openSecretStore } from '../../secrets/secret-store';
import { looseDataFiles, secureDataDir } from '../../security/file-modes';
import { openDataLedger } from '../../services/data-ledger';
import { resolveAntomConfig } from '../../services/core-services';
import { storeLedgerChecks } from '../../store/store-doctor';
import { openTerminalIdentity, openTerminalLinkForCli, resolveTerminalPort } from '../../terminal';
import type { CliCommand } from '../command';
import { openCliLedger } from '../ledger-session';

/** Which journal the configuration selects and, in store mode, the store ledger's health (store-doctor.ts). */
async function ledgerEngineChecks(config: AppConfig, env: NodeJS.ProcessEnv): Promise<DoctorCheck[]> {
  const sel = resolveLedgerSelection(config, env);
  if (!sel.ok) {
    return [
      { id: 'ledger-engine', ok: false, summary: sel.error.message, fix: 'Fix REFUND_TERMINAL_STORE_URL / REFUND_TERMINAL_REGISTER or ledger in config.json.' },
    ];
  }
  const engine: DoctorCheck = { id: 'ledger-engine', ok: true, summary: `Refund journal: ${describeLedgerSelection(sel.value)}.` };
  return sel.value.engine === 'postgres' ? [engine, ...(await storeLedgerChecks(sel.value))] : [engine];
}

export interface DoctorCheck {
  readonly id: string;
  readonly ok: boolean;
  readonly summary: string;
  readonly fix?: string;
  /** Warnings do not fail the run. */
  readonly warning?: boolean;
}

const UDEV_RULE = '/etc/udev/rules.d/99-antom-terminal.rules';

function groupName(gid: number): string {
  try {
    const line = readFileSync('/etc/group', 'utf8')
      .split('\n')
      .find((l) => l.split(':')[2] === String(gid));
    return line?.split(':')[0] ?? String(gid);
  } catch {
    return String(gid);
  }
}

async function checkPort(port: string): Promise<DoctorCheck[]> {
  const checks: DoctorCheck[] = [];
  try {
    await fs.access(port, fsConstants.R_OK | fsConstants.W_OK);
    checks.push({ id: 'serial-permission', ok: true, summary: `${port} exists and this user may read and write it.` });
  } catch (e) {
    const problem = describePortError(e, port);
    let detail = problem.message;
    if (problem.code === 'EACCES' && process.platform !== 'win32') {
      try {
        const st = statSync(port);
        const group = groupName(st.gid);
        const member = typeof process.getgroups === 'function' && process.getgroups().includes(st.gid);
        detail += ` The device belongs to group "${group}"; ${os.userInfo().username} is ${member ? '' : 'not '}a member.`;
      } catch {
        // stat failing too: the message above already says what is wrong.
      }
    }
    checks.push({ id: 'serial-permission', ok: false, summary: detail, fix: problem.fix });
  }
  return checks;
}

/** Days before an announced rotation from which a single configured key is worth a warning. */
export const ROTATION_WARNING_DAYS = 30;

/**
 * One Antom public key means the day Antom rotates, every answer fails its
 * signature check and every refund turns PENDING until someone swaps the key.
 * With an announced rotation date the warning is raised close to it.
 */
export function antomKeyCheck(keys: readonly { keyVersion: number | null }[], rotationDate: string | null, now: Date): DoctorCheck {
  const names = keys.map((k) => (k.keyVersion === null ? 'version not recorded' : `version ${k.keyVersion}`)).join(', ');
  const fix = "Add Antom's next public key (with its key version) on the technician screen, or ANTOM_PUBLIC_KEY_FILES=VERSION=FILE, before Antom switches.";
  if (keys.length > 1) return { id: 'antom-keys', ok: true, summary: `${keys.length} Antom public keys configured (${names}): a key rotation is covered.` };
  if (rotationDate === null) {
    return {
      id: 'antom-keys',
      ok: true,
      warning: true,
      summary: `Only one Antom public key is configured (${names}); when Antom rotates its key, answers will not verify and refunds stay pending.`,
      fix,
    };
  }
  const days = Math.ceil((Date.parse(`${rotationDate}T00:00:00Z`) - now.getTime()) / 86_400_000);
  if (days > ROTATION_WARNING_DAYS) {
    return {
      id: 'antom-keys',
      ok: true,
      summary: `One Antom public key configured (${names}); the announced key rotation on ${rotationDate} is ${days} days away.`,
    };
  }
  return {
    id: 'antom-keys',
    ok: true,
    warning: true,
    summary:
      days >= 0
        ? `Antom rotates its key on ${rotationDate} (in ${days} day(s)) and only one Antom public key is configured (${names}).`
        : `Antom's announced key rotation date ${rotationDate} has passed and only one Antom public key is configured (${names}).`,
    fix,
  };
}

/**
 * A harmless signed inquiry (a payment that cannot exist): proves the URL,
 * both signatures and that the lookup's parameters are accepted, and names
 * the exact path called.
 */
export async function antomOnlineChecks(gateway: AntomGateway, inquiryKey: string): Promise<DoctorCheck[]> {
  const url = gateway.endpoint('inquiryPayment');
  const r = await gateway.inquirePayment('CONNECTION-TEST-0000000000');
  const by = gateway.lastVerification();
  const key = by ? (by.keyVersion === null ? ' (Antom key of unrecorded version)' : ` (Antom key version ${by.keyVersion})`) : '';
  if (r.ok || r.error.code === 'PAYMENT_NOT_FOUND') {
    return [
      { id: 'antom-online', ok: true, summary: `Antom answered POST ${url} with a valid signature${key}.` },
      { id: 'antom-lookup', ok: true, summary: `The payment lookup by ${inquiryKey} is accepted.` },
    ];
  }
  if (r.error.code === 'LOOKUP_MISCONFIGURED' && r.error.details?.rejection !== 'parameters') {
    return [
      {
        id: 'antom-online',
        ok: false,
        summary: `POST ${url}: ${r.error.message}`,
        fix:
          r.error.details?.rejection === 'path'
            ? 'Pick the region from the list (the base URL is the domain only; the terminal adds /ams/api/...).'
            : "Check the client id and that the merchant key registered with Antom matches this terminal's private key.",
      },
    ];
  }
  if (r.error.code === 'LOOKUP_MISCONFIGURED') {
    return [
      { id: 'antom-online', ok: true, summary: `Antom answered POST ${url} with a valid signature${key}.` },
      {
        id: 'antom-lookup',
        ok: false,
        summary: r.error.message,
        fix: `Set the payment lookup key (technician screen, or ANTOM_INQUIRY_KEY) to the one Antom expects: paymentId, paymentRequestId or both (now: ${inquiryKey}).`,
      },
    ];
  }
  return [
    {
      id: 'antom-online',
      ok: false,
      summary: `POST ${url}: ${r.error.message}`,
      fix: 'Check the network, the endpoint region and that the Antom public key matches your client id.',
    },
  ];
}

/** Replays older than this are history (a warning), newer ones a problem to act on. */
const REPLAY_RECENT_MS = 30 * 24 * 3600_000;

/** Someone must be able to approve refunds and manage people. */
function usersCheck(users: readonly { role: string; disabled: boolean }[], where: string): DoctorCheck {
  const active = users.filter((u) => !u.disabled);
  const managers = active.filter((u) => u.role === 'manager').length;
  return managers > 0
    ? { id: 'users', ok: true, summary: `${active.length} active user(s), ${managers} manager(s) in ${where}.` }
    : {
        id: 'users',
        ok: false,
        summary: `No active manager in ${where}: nobody can approve refunds, change the policy or add users.`,
        fix: 'refund-terminal users add NAME --role manager   (the PIN is read from stdin or REFUND_TERMINAL_PIN)',
      };
}

/** The terminal handed out a reference it had already given another refund (see docs/ledger.md). */
export function referenceReplayCheck(replays: readonly RefundRow[], now: Date): DoctorCheck {
  const last = replays[0];
  if (last === undefined) return { id: 'terminal-references', ok: true, summary: 'The terminal never replayed a refund reference.' };
  const recent = now.getTime() - Date.parse(last.updated_at) < REPLAY_RECENT_MS;
  return {
    id: 'terminal-references',
    ok: !recent,
    ...(recent ? {} : { warning: true }),
    summary:
      `The terminal gave ${replays.length} refund(s) a reference it had already given another refund (last: ${last.refund_request_id} at ${last.updated_at}). ` +
      'Those refunds were stopped with nothing sent to Antom (TERMINAL_REFERENCE_REUSED).',
    fix: 'Have the terminal checked by its vendor (faulty, reset or cloned); then make the stopped refunds again (`refund-terminal audit list` shows terminal.reference_reused entries).',
  };
}

export const doctorCommand: CliCommand = {
  name: 'doctor',
  summary: 'Check this PC, the terminal and the Antom setup; prints a fix for each problem',
  usage:
    'Usage: refund-terminal [--data-dir DIR] doctor [--port PATH] [--json] [--online]\n  --online   also call Antom (a harmless payment inquiry) to prove reachability and signatures\nExit code 0 when every check passes, 1 otherwise.',
  async run(args, ctx) {
    const { values } = parseArgs({
      args: [...args],
      options: { json: { type: 'boolean', default: false }, online: { type: 'boolean', default: false }, port: { type: 'string' } },
      strict: true,
    });
    const checks: DoctorCheck[] = [];

    // Before anything below creates or opens a file in the folder.
    const loose = looseDataFiles(ctx.dataDir);
    if (loose.length > 0) {
      secureDataDir(ctx.dataDir);
      checks.push({
        id: 'file-modes',
        ok: false,
        summary: `The data folder was readable by others: ${loose
          .slice(0, 5)
          .map((f) => `${f.path} (${f.mode})`)
          .join(', ')}${loose.length > 5 ? ` and ${loose.length - 5} more` : ''}. Tightened now to 0700/0600.`,
        fix: 'Nothing more to change (every start tightens them too), but anyone else on this PC may have copied the journal or the key file: treat them as exposed.',
      });
    } else {
      checks.push({
        id: 'file-modes',
        ok: true,
        summary: process.platform === 'win32' ? 'Data folder protected by the user profile ACL.' : 'Data folder is 0700 and every file in it 0600.',
      });
    }

    const loaded = await loadAppConfig(ctx.dataDir);
    if (!loaded.ok) {
      checks.push({ id: 'config', ok: false, summary: loaded.error.message, fix: `Fix or remove ${ctx.dataDir}/config.json, then run doctor again.` });
    } else {
      checks.push({ id: 'config', ok: true, summary: `Configuration in ${ctx.dataDir} is valid.` });
      checks.push(...(await ledgerEngineChecks(loaded.value, ctx.env)));
      if (isDemoMode(loaded.value, ctx.env)) {
        checks.push({
          id: 'mode',
          ok: false,
          summary: 'This terminal runs in DEMO mode (virtual terminal, local sandbox): no real refund can be made.',
          fix: 'Set up Antom on the technician screen (or ANTOM_* variables) and pair the real terminal.',
        });
      }
    }

    const journal = inspectJournalFile(ctx.dataDir);
    const journalOk = journal.state === 'PRESENT' || journal.state === 'NEW';
    checks.push(
      journalOk
        ? {
            id: 'journal',
            ok: true,
            summary:
              journal.state === 'NEW' ? `No journal yet in ${ctx.dataDir}: a new one is made at the first start.` : `Refund journal present in ${ctx.dataDir}.`,
          }
        : {
            id: 'journal',
            ok: false,
            summary: journalProblemMessage(journal.state, journal.path, journal.detail).split('\n')[0] as string,
            fix: journalProblemMessage(journal.state, journal.path, journal.detail).split('\n').slice(1).join(' '),
          },
    );

    const floor = resolveMinFreeBytes(ctx.env, loaded.ok ? loaded.value.journal.minFreeMb : undefined);
    if (journalOk) {
      const { ledger } = await openDataLedger(ctx.dataDir, { ...(loaded.ok ? { config: loaded.value } : {}), minFreeBytes: floor });
      const sel = loaded.ok ? resolveLedgerSelection(loaded.value, ctx.env) : null;
      // Store mode, store reachable: the refunds, people and alarms' rows are the store's, never this folder's file.
      const storeMode = sel?.ok === true && sel.value.engine === 'postgres';
      const opened = storeMode && checks.some((c) => c.id === 'store-reachable' && c.ok) ? await openCliLedger(ctx) : null;
      const store = opened?.ok === true ? opened.store : null;
      try {
        // Free space against the floor below which no new refund starts.
        const health = store !== null ? await storeJournalHealth(ctx.dataDir, ledger.space(), store.journal, []) : journalHealth(ctx.dataDir, ledger, []);
        const freeText = health.freeBytes === null ? 'unknown' : `${Math.floor(health.freeBytes / (1024 * 1024))} MB`;
        checks.push(
          health.lowDisk
            ? {
                id: 'journal-disk',
                ok: false,
                summary: `The journal's disk has ${freeText} free, below the ${Math.round(floor / (1024 * 1024))} MB floor: new refunds are refused.`,
                fix: `Free disk space on the drive of ${ctx.dataDir} (old logs, downloads), or move the data folder to a larger drive.`,
              }
            : { id: 'journal-disk', ok: true, summary: `The journal's disk has ${freeText} free (floor ${Math.round(floor / (1024 * 1024))} MB).` },
        );
        // Antom answers a process could not journal (journal-alarm.json), still not final in the journal.
        checks.push(
          health.unrecorded.length > 0
            ? {
                id: 'journal-alarm',
                ok: false,
                summary: `Antom answered ${health.unrecorded.map((u) => `${u.refundRequestId} (${u.answer}, since ${u.since})`).join(', ')} but the journal could not record it (${health.unrecorded[0]?.lastError ?? ''}). Treat these refunds as pending; do not refund them again.`,
                fix: 'Free disk space (or fix the disk), then run `refund-terminal recover`: it asks Antom about the same refundRequestId and records the answer; nothing is sent twice.',
              }
            : { id: 'journal-alarm', ok: true, summary: 'Every Antom answer is recorded in the journal.' },
        );
        // Answers the client did not believe (another id, payment or amount; not a signed 2xx): pending until an inquiry settles them.
        checks.push(
          health.untrusted.length > 0
            ? {
                id: 'antom-answers',
                ok: false,
                summary: `${health.untrusted.length} refund(s) stay pending because Antom's answer did not match the request: ${health.untrusted.map((u) => `${u.refundRequestId} (${u.resultCode})`).join(', ')}.`,
                fix: 'Check the Antom endpoint (region, proxy) and keys; `refund-terminal recover` asks Antom again about the same refundRequestId. Never refund these another way until they are final.',
              }
            : { id: 'antom-answers', ok: true, summary: 'No refund is waiting on an Antom answer that did not match its request.' },
        );
        if (loaded.ok && !isDemoMode(loaded.value, ctx.env)) {
          if (!storeMode) {
            checks.push(usersCheck(ledger.users.list(), 'this terminal'));
            checks.push(referenceReplayCheck(ledger.refunds.referenceReplays(), new Date()));
          } else if (store !== null) {
            checks.push(usersCheck(await store.people.list(), 'the store'));
            checks.push(referenceReplayCheck(await store.reports.referenceReplays(), new Date()));
          }
        }
      } finally {
        if (opened?.ok === true) await opened.close();
        ledger.close();
      }
    }

    const secrets = await openSecretStore(ctx.dataDir);
    checks.push(
      secrets.warning
        ? {
            id: 'secrets',
            ok: true,
            warning: true,
            summary: secrets.warning,
            fix: 'Run the Electron app (OS keychain) rather than the browser host, or restrict access to the data folder.',
          }
        : { id: 'secrets', ok: true, summary: 'Secrets are protected by the OS keychain.' },
    );

    if (loaded.ok && !isDemoMode(loaded.value, ctx.env)) {
      const antom = await resolveAntomConfig(loaded.value, secrets, ctx.env);
      if (!antom.ok) {
        checks.push({
          id: 'antom-config',
          ok: false,
          summary: antom.error.message,
          fix: 'Enter the Antom endpoint, client id and both keys on the technician screen.',
        });
      } else {
        checks.push({
          id: 'antom-config',
          ok: true,
          summary: `Antom endpoint ${antom.value.baseUrl} with client id ${antom.value.clientId} (key version ${antom.value.keyVersion}); payments looked up by ${antom.value.inquiryPaymentKey}.`,
        });
        checks.push(antomKeyCheck(antom.value.antomPublicKeys, antom.value.antomKeyRotationDate ?? null, new Date()));
        if (values.online) checks.push(...(await antomOnlineChecks(createAntomGateway(antom.value), antom.value.inquiryPaymentKey)));
      }
    }

    const port = resolveTerminalPort(values.port, ctx.env, loaded.ok ? loaded.value : null)?.port ?? null;
    if (process.platform === 'linux') {
      const hasRule = await fs
        .access(UDEV_RULE)
        .then(() => true)
        .catch(() => false);
      checks.push(
        hasRule
          ? { id: 'udev-rule', ok: true, summary: `udev rule installed (${UDEV_RULE}).` }
          : {
              id: 'udev-rule',
              ok: true,
              warning: true,
              summary: 'The terminal udev rule is not installed (device permissions and stable names depend on it).',
              fix: `sudo cp resources/udev/99-antom-terminal.rules ${UDEV_RULE} && sudo udevadm control --reload-rules && sudo udevadm trigger`,
            },
      );
    }
    if (!port) {
      const candidates = await listTerminalCandidates().catch(() => []);
      checks.push({
        id: 'terminal-port',
        ok: false,
        summary: candidates.length
          ? `No terminal port is configured; candidates: ${candidates.map((c) => c.path).join(', ')}.`
          : 'No terminal port is configured and no USB terminal was found.',
        fix: 'Plug the terminal in, run `refund-terminal devices`, then `refund-terminal pair --port PATH` (the port is remembered).',
      });
    } else {
      const portChecks = await checkPort(port);
      checks.push(...portChecks);
      if (portChecks.every((c) => c.ok)) {
        const { link, status } = await openTerminalLinkForCli(port, await openTerminalIdentity(ctx.dataDir), { waitMs: 8000 });
        try {
          if (status.state === 'authenticated') {
            const ping = await link.ping();
            checks.push({
              id: 'terminal-link',
              ok: true,
              summary: `Terminal ${status.terminal?.serial ?? ''} is paired and authenticated${ping.ok ? ` (ping ${ping.value.rttMs.toFixed(1)} ms)` : ''}.`,
            });
          } else if (status.state === 'unpaired') {
            checks.push({
              id: 'terminal-link',
              ok: false,
              summary: 'The terminal answers but is not paired with this PC.',
              fix: `refund-terminal pair --port ${port}`,
            });
          } else {
            checks.push({
              id: 'terminal-link',
              ok: false,
              summary: `The terminal is not usable: ${status.state}${status.reason ? ` (${status.reason})` : ''}.`,
              fix: 'Check the USB cable and that the terminal is on; if it was replaced, unpair and pair the new one.',
            });
          }
        } finally {
          await link.stop();
        }
      }
    }

    const failed = checks.filter((c) => !c.ok);
    if (values.json) {
      ctx.stdout.write(`${JSON.stringify({ ok: failed.length === 0, checks }, null, 2)}\n`);
    } else {
      for (const c of checks) {
        ctx.stdout.write(`${c.ok ? (c.warning ? '!' : '✓') : '✗'} ${c.summary}\n${c.fix && (!c.ok || c.warning) ? `    fix: ${c.fix}\n` : ''}`);
      }
      ctx.stdout.write(failed.length === 0 ? 'All checks passed.\n' : `${failed.length} problem(s) found.\n`);
    }
    return failed.length === 0 ? 0 : 1;
  },
};
