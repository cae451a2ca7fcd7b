/**
 * Terminal administration: the link status every screen shows, the
 * technician's device list, pairing (audited before each step, ../audited-change.ts, and the paired port remembered
 * for the CLI and doctor), unpairing, and the ping check.
 */
import type { TerminalLink } from '../../../native-bridge';
import { err, ok } from '../../../preload/contract/result';
import type { LinkStatusView, PingView, TerminalCandidateView } from '../../../preload/contract/terminal';
import type { AuditPort } from '../../ledger/store-port';
import type { Logger } from '../../logging/logger';
import { auditedChange } from '../audited-change';
import type { HandlerRegistry } from '../registry';

export interface TerminalDeps {
  readonly link: Pick<TerminalLink, 'pairBegin' | 'pairConfirm' | 'unpair' | 'ping' | 'stats'>;
  status(): LinkStatusView;
  devices(): Promise<TerminalCandidateView[]>;
  /** The port the link opens; null when none is configured. */
  readonly configuredPort: string | null;
  /** Demo: the virtual terminal is on whatever port the demo made, and nothing is remembered. */
  readonly demo: boolean;
  /** Keeps the port a terminal was paired on, so the CLI and doctor find it without --port. */
  rememberPort(port: string): Promise<unknown>;
  /** The ledger's one chain: the store's in store mode. */
  readonly audit: Pick<AuditPort, 'append'>;
  readonly log: Logger;
}

export function registerTerminal(registry: HandlerRegistry, deps: TerminalDeps): void {
  const { link } = deps;

  registry.handle('getTerminalStatus', async () => ok(deps.status()));
  registry.handle('listTerminalDevices', async () => ok(await deps.devices()));
  registry.handle('beginPairing', async ({ port }, user) => {
    if (!deps.demo && port !== deps.configuredPort) {
      return err(
        'TERMINAL_ERROR',
        `The terminal link is set to ${deps.configuredPort ?? 'no port'}; set terminal.port to ${port} in config.json (or TERMINAL_PORT) and restart, then pair.`,
      );
    }
    return auditedChange(deps, {
      actor: user.name,
      kind: 'terminal.pairing',
      detail: { step: 'begin', port, requested: true },
      act: async () => {
        const r = await link.pairBegin();
        return r.ok ? ok(null) : err('TERMINAL_ERROR', r.error.message, { terminalCode: r.error.code });
      },
      outcome: (r) => ({ step: 'begin', port, ok: r.ok }),
    });
  });
  registry.handle('confirmPairing', async ({ code }, user) => {
    return auditedChange(deps, {
      actor: user.name,
      kind: 'terminal.pairing',
      detail: { step: 'confirm', requested: true },
      act: async () => {
        const r = await link.pairConfirm(code);
        if (r.ok && !deps.demo && deps.configuredPort) await deps.rememberPort(deps.configuredPort);
        return r.ok ? ok(r.value) : err('TERMINAL_ERROR', r.error.message, { terminalCode: r.error.code });
      },
      outcome: (r) => ({ step: 'confirm', ok: r.ok, ...(r.ok ? { serial: r.value.serial } : { code: r.error.details?.['terminalCode'] ?? r.error.code }) }),
    });
  });
  registry.handle('unpairTerminal', async (_req, user) => {
    return auditedChange(deps, {
      actor: user.name,
      kind: 'terminal.pairing',
      detail: { step: 'unpair', requested: true },
      act: async () => {
        const r = await link.unpair();
        return r.ok ? ok(null) : err('TERMINAL_ERROR', r.error.message, { terminalCode: r.error.code });
      },
      outcome: (r) => ({ step: 'unpair', ok: r.ok }),
    });
  });
  registry.handle('pingTerminal', async ({ count }) => {
    const rtts: number[] = [];
    let failures = 0;
    for (let i = 0; i < count; i++) {
      const r = await link.ping();
      if (r.ok) rtts.push(Math.round(r.value.rttMs * 10) / 10);
      else failures++;
    }
    const raw = link.stats() as unknown as Record<string, unknown>;
    const stats: Record<string, number> = {};
    for (const [k, v] of Object.entries(raw)) if (typeof v === 'number') stats[k] = v;
    const view: PingView = { rttsMs: rtts, failures, stats };
    return ok(view);
  });
}
