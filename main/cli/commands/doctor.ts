/**
 * `doctor [--json] [--online]`: a technician's checklist. Every problem comes
 * with the fix; the exit code is non-zero when any check fails.
 * Checks: configuration, secret protection, serial port present and
 * permitted (group membership spelled out), udev rule (Linux), paired terminal
 * reachable and authenticated, Antom endpoint configured (and, with --online,
 * reachable with valid signatures).
 */
import { promises as fs, constants as fsConstants, statSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { describePortError, listTerminalCandidates } from '../../../native-bridge';
import { createAntomGateway } from '../../antom';
import { isDemoMode, loadAppConfig } from '../../config/app-config';
import { resolveMinFreeBytes } from '../../ledger/disk-space';
import { journalHealth } from '../../ledger/journal-alarm-file';
import { inspectJournalFile, journalProblemMessage, openJournal } from '../../ledger/journal-file';
import { openSecretStore } from '../../secrets/secret-store';
import { resolveAntomConfig } from '../../services/core-services';
import { openPairingStore, openTerminalLinkForCli, resolveTerminalPort } from '../../terminal';
import type { CliCommand } from '../command';

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

export const doctorCommand: CliCommand = {
  name: 'doctor',
  summary: 'Check this PC, the terminal and the Antom setup; prints a fix for each problem',
  usage: 'Usage: refund-terminal [--data-dir DIR] doctor [--port PATH] [--json] [--online]\n  --online   also call Antom (a harmless payment inquiry) to prove reachability and signatures\nExit code 0 when every check passes, 1 otherwise.',
  async run(args, ctx) {
    const { values } = parseArgs({ args: [...args], options: { json: { type: 'boolean', default: false }, online: { type: 'boolean', default: false }, port: { type: 'string' } }, strict: true });
    const checks: DoctorCheck[] = [];

    const loaded = await loadAppConfig(ctx.dataDir);
    if (!loaded.ok) {
      checks.push({ id: 'config', ok: false, summary: loaded.error.message, fix: `Fix or remove ${ctx.dataDir}/config.json, then run doctor again.` });
    } else {
      checks.push({ id: 'config', ok: true, summary: `Configuration in ${ctx.dataDir} is valid.` });
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
        ? { id: 'journal', ok: true, summary: journal.state === 'NEW' ? `No journal yet in ${ctx.dataDir}: a new one is made at the first start.` : `Refund journal present in ${ctx.dataDir}.` }
        : { id: 'journal', ok: false, summary: journalProblemMessage(journal.state, journal.path, journal.detail).split('\n')[0] as string, fix: journalProblemMessage(journal.state, journal.path, journal.detail).split('\n').slice(1).join(' ') },
    );

    const floor = resolveMinFreeBytes(ctx.env, loaded.ok ? loaded.value.journal.minFreeMb : undefined);
    if (journalOk) {
      const ledger = openJournal(ctx.dataDir, { minFreeBytes: floor });
      try {
        // Free space against the floor below which no new refund starts.
        const health = journalHealth(ctx.dataDir, ledger, []);
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
        if (loaded.ok && !isDemoMode(loaded.value, ctx.env)) {
          const active = ledger.users.list().filter((u) => !u.disabled);
          const managers = active.filter((u) => u.role === 'manager').length;
          checks.push(
            managers > 0
              ? { id: 'users', ok: true, summary: `${active.length} active user(s), ${managers} manager(s).` }
              : {
                  id: 'users',
                  ok: false,
                  summary: 'No active manager: nobody can approve refunds, change the policy or add users.',
                  fix: 'refund-terminal users add NAME --role manager   (the PIN is read from stdin or REFUND_TERMINAL_PIN)',
                },
          );
        }
      } finally {
        ledger.close();
      }
    }

    const secrets = await openSecretStore(ctx.dataDir);
    checks.push(
      secrets.warning
        ? { id: 'secrets', ok: true, warning: true, summary: secrets.warning, fix: 'Run the Electron app (OS keychain) rather than the browser host, or restrict access to the data folder.' }
        : { id: 'secrets', ok: true, summary: 'Secrets are protected by the OS keychain.' },
    );

    if (loaded.ok && !isDemoMode(loaded.value, ctx.env)) {
      const antom = await resolveAntomConfig(loaded.value, secrets, ctx.env);
      if (!antom.ok) {
        checks.push({ id: 'antom-config', ok: false, summary: antom.error.message, fix: 'Enter the Antom endpoint, client id and both keys on the technician screen.' });
      } else {
        checks.push({ id: 'antom-config', ok: true, summary: `Antom endpoint ${antom.value.baseUrl} with client id ${antom.value.clientId} (key version ${antom.value.keyVersion}).` });
        if (values.online) {
          const r = await createAntomGateway(antom.value).inquirePayment('CONNECTION-TEST-0000000000');
          const reachable = r.ok || r.error.code === 'PAYMENT_NOT_FOUND';
          checks.push(
            reachable
              ? { id: 'antom-online', ok: true, summary: 'Antom answered with a valid signature.' }
              : { id: 'antom-online', ok: false, summary: r.error.message, fix: 'Check the network, the endpoint region and that the Antom public key matches your client id.' },
          );
        }
      }
    }

    const port = resolveTerminalPort(values.port, ctx.env) ?? (loaded.ok ? (loaded.value.terminal.port ?? null) : null);
    if (process.platform === 'linux') {
      const hasRule = await fs
        .access(UDEV_RULE)
        .then(() => true)
        .catch(() => false);
      checks.push(
        hasRule
          ? { id: 'udev-rule', ok: true, summary: `udev rule installed (${UDEV_RULE}).` }
          : { id: 'udev-rule', ok: true, warning: true, summary: 'The terminal udev rule is not installed (device permissions and stable names depend on it).', fix: `sudo cp resources/udev/99-antom-terminal.rules ${UDEV_RULE} && sudo udevadm control --reload-rules && sudo udevadm trigger` },
      );
    }
    if (!port) {
      const candidates = await listTerminalCandidates().catch(() => []);
      checks.push({
        id: 'terminal-port',
        ok: false,
        summary: candidates.length ? `No terminal port is configured; candidates: ${candidates.map((c) => c.path).join(', ')}.` : 'No terminal port is configured and no USB terminal was found.',
        fix: 'Plug the terminal in, run `refund-terminal devices`, then `refund-terminal pair --port PATH` and set terminal.port in config.json (or TERMINAL_PORT).',
      });
    } else {
      const portChecks = await checkPort(port);
      checks.push(...portChecks);
      if (portChecks.every((c) => c.ok)) {
        const { link, status } = await openTerminalLinkForCli(port, await openPairingStore(ctx.dataDir), { waitMs: 8000 });
        try {
          if (status.state === 'authenticated') {
            const ping = await link.ping();
            checks.push({ id: 'terminal-link', ok: true, summary: `Terminal ${status.terminal?.serial ?? ''} is paired and authenticated${ping.ok ? ` (ping ${ping.value.rttMs.toFixed(1)} ms)` : ''}.` });
          } else if (status.state === 'unpaired') {
            checks.push({ id: 'terminal-link', ok: false, summary: 'The terminal answers but is not paired with this PC.', fix: `refund-terminal pair --port ${port}` });
          } else {
            checks.push({ id: 'terminal-link', ok: false, summary: `The terminal is not usable: ${status.state}${status.reason ? ` (${status.reason})` : ''}.`, fix: 'Check the USB cable and that the terminal is on; if it was replaced, unpair and pair the new one.' });
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
