/**
 * The technician's diagnostics bundle: one JSON file with what support asks
 * for first (app, link and its counters, devices, Antom setup without keys,
 * audit check, unfinished refunds, terminal reference replays, platform).
 * Nothing in it is secret: keys appear only as fingerprints.
 */
import type { TerminalLinkStats } from '../../../native-bridge';
import { ok } from '../../../preload/contract/result';
import type { RefundView } from '../../../preload/contract/refunds';
import type { LinkStatusView, TerminalCandidateView } from '../../../preload/contract/terminal';
import type { AppInfo } from '../../../preload/contract/views';
import type { AuditPort, ReportsPort } from '../../ledger/store-port';
import type { HandlerRegistry } from '../registry';
import type { AntomSettings } from '../antom-settings';

export interface DiagnosticsDeps {
  info(): AppInfo;
  linkStatus(): LinkStatusView;
  linkStats(): TerminalLinkStats;
  readonly terminalPort: string | null;
  devices(): Promise<TerminalCandidateView[]>;
  readonly antom: Pick<AntomSettings, 'view'>;
  antomProblem(): string | null;
  refunds(): Promise<RefundView[]>;
  /** The ledger's chain and refunds: the store's in store mode, never this data folder's file then. */
  readonly audit: Pick<AuditPort, 'verify'>;
  readonly reports: Pick<ReportsPort, 'referenceReplays'>;
}

/** A part read from the ledger: when the store cannot be reached the bundle still comes out, saying why (support needs it most then). */
async function orUnavailable<T>(read: () => Promise<T>): Promise<T | { unavailable: string }> {
  try {
    return await read();
  } catch (e) {
    return { unavailable: e instanceof Error ? e.message : String(e) };
  }
}

/**
 * The app info as support sees it: the demo users' names and roles stay, their PINs never leave the screen (the
 * bundle is mailed around; attack report F13). Nothing else in AppInfo is secret.
 */
function diagnosticsAppInfo(app: AppInfo): Omit<AppInfo, 'demoHints'> & { demoHints: { payments: unknown; users: unknown[] } | null } {
  return { ...app, demoHints: app.demoHints ? { ...app.demoHints, users: app.demoHints.users.map((u) => ({ name: u.name, role: u.role })) } : null };
}

export function registerDiagnostics(registry: HandlerRegistry, deps: DiagnosticsDeps): void {
  registry.handle('getDiagnosticsBundle', async () => {
    const antom = await deps.antom.view();
    const json = JSON.stringify(
      {
        generatedAt: new Date().toISOString(),
        app: diagnosticsAppInfo(deps.info()),
        link: deps.linkStatus(),
        linkStats: deps.linkStats(),
        terminalPort: deps.terminalPort,
        devices: await deps.devices(),
        antom: antom.ok ? antom.value : null,
        antomProblem: deps.antomProblem(),
        audit: await orUnavailable(() => deps.audit.verify()),
        pendingRefunds: await orUnavailable(async () =>
          (await deps.refunds())
            .filter((r) => r.status === 'PENDING')
            .map((r) => ({ refundRequestId: r.refundRequestId, state: r.state, resultCode: r.resultCode })),
        ),
        // The terminal gave these refunds a reference it had already given another one: stopped, nothing sent.
        terminalReferenceReplays: await orUnavailable(async () =>
          (await deps.reports.referenceReplays()).map((r) => ({
            refundRequestId: r.refund_request_id,
            paymentId: r.payment_id,
            ...(r.register !== undefined ? { register: r.register } : {}),
            at: r.updated_at,
            message: r.message,
          })),
        ),
        platform: { os: process.platform, arch: process.arch, node: process.versions.node, electron: process.versions.electron ?? null },
      },
      null,
      2,
    );
    return ok({ fileName: `refund-terminal-diagnostics-${new Date().toISOString().slice(0, 10)}.json`, json });
  });
}
