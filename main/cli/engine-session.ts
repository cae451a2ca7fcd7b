/**
 * Opens the core services for a one-shot CLI command and waits for the
 * terminal link, so commands like `refund` and `recover` run on exactly the
 * code the app runs. Output helpers shared by those commands live here too.
 */
import type { TerminalLink } from '../../native-bridge';
import type { RefundView } from '../../preload/contract/refunds';
import { createLogger } from '../logging/logger';
import { openCoreServices, type CoreServices } from '../services/core-services';
import type { CliContext } from './command';
import { EXIT } from './exit-codes';

export async function openCliCore(
  ctx: CliContext,
  opts: { terminalPort?: string; background?: boolean } = {},
): Promise<{ ok: true; core: CoreServices } | { ok: false; message: string; exitCode: number }> {
  const log = createLogger({ dataDir: ctx.dataDir });
  const opened = await openCoreServices({
    dataDir: ctx.dataDir,
    env: ctx.env,
    log,
    background: opts.background ?? false,
    ...(opts.terminalPort ? { terminalPort: opts.terminalPort } : {}),
  });
  if (!opened.ok)
    return { ok: false, message: opened.error.message, exitCode: opened.error.code === 'CONFIG_INVALID' ? EXIT.BAD_INPUT : EXIT.JOURNAL_UNAVAILABLE };
  return { ok: true, core: opened.value };
}

/** Resolves true once the link is authenticated, false after `timeoutMs` (the caller then reports why). */
export function waitForAuthenticated(link: TerminalLink, timeoutMs: number): Promise<boolean> {
  if (link.status().state === 'authenticated') return Promise.resolve(true);
  return new Promise((resolve) => {
    const onStatus = (s: { state: string }) => {
      if (s.state !== 'authenticated') return;
      clearTimeout(timer);
      link.off('status', onStatus);
      resolve(true);
    };
    const timer = setTimeout(() => {
      link.off('status', onStatus);
      resolve(false);
    }, timeoutMs);
    link.on('status', onStatus);
  });
}

/** The CLI's JSON shape of a refund (the fields scripts rely on come first). */
export function refundJson(v: RefundView): Record<string, unknown> {
  const status = v.status === 'SUCCESS' || v.status === 'FAILED' ? v.status : v.status === 'DECLINED' ? 'FAILED' : 'PENDING';
  return {
    refundRequestId: v.refundRequestId,
    paymentId: v.paymentId,
    originalMerchantRefundId: v.originalMerchantRefundId,
    status,
    resultCode: v.resultCode,
    refundId: v.refundId,
    message: v.message,
    state: v.state,
    nextAction: v.nextAction,
    amount: v.amount,
    mode: v.mode,
    cashier: v.cashier,
    approvals: v.approvals,
  };
}

/** Exit codes: 0 SUCCESS, 2 FAILED (or declined), 3 PENDING (including awaiting approval). */
export function exitCodeFor(v: RefundView): number {
  if (v.status === 'SUCCESS') return 0;
  if (v.status === 'FAILED' || v.status === 'DECLINED') return 2;
  return 3;
}

export function describeRefund(v: RefundView): string {
  const lines = [
    `Refund ${v.refundRequestId} for payment ${v.paymentId}: ${refundJson(v).status as string} (${v.state})`,
    `  ${v.message}`,
    v.resultCode ? `  result code: ${v.resultCode}` : null,
    v.refundId ? `  Antom refundId: ${v.refundId}` : null,
    v.originalMerchantRefundId ? `  terminal reference: ${v.originalMerchantRefundId}` : null,
    v.nextAction !== 'NONE' ? `  next: ${v.nextAction}` : null,
  ];
  return lines.filter((l): l is string => l !== null).join('\n');
}

/** Reads a PIN from REFUND_TERMINAL_PIN or the first line of stdin (never echoed, never logged). */
export async function readPin(ctx: CliContext): Promise<string | null> {
  if (ctx.env.REFUND_TERMINAL_PIN) return ctx.env.REFUND_TERMINAL_PIN;
  const stdin = ctx.stdin as NodeJS.ReadStream;
  if (stdin.isTTY) ctx.stderr.write('PIN: ');
  return new Promise((resolve) => {
    let buf = '';
    const onData = (d: Buffer) => {
      buf += d.toString('utf8');
      const nl = buf.indexOf('\n');
      if (nl >= 0) finish(buf.slice(0, nl));
    };
    const finish = (line: string | null) => {
      stdin.off('data', onData);
      stdin.off('end', onEnd);
      stdin.pause();
      resolve(line === null ? null : line.trim());
    };
    const onEnd = () => finish(buf.length > 0 ? buf : null);
    stdin.on('data', onData);
    stdin.on('end', onEnd);
    stdin.resume();
  });
}
