import type { RefundState } from '../../../../preload/contract/refunds';
import { useCashier } from '../../stores/cashier';
import { useTerminal } from '../../stores/terminal';
import { useT } from '../../hooks/i18n';
import { useEscape } from '../../hooks/focus';
import { usePoll } from '../../hooks/poll';
import { Screen } from '../../components/Screen';
import { fmtMoney } from '../../lib/format';

const STEPS: readonly { key: string; states: readonly (RefundState | 'NONE')[] }[] = [
  { key: 'saving', states: ['NONE', 'APPROVED'] },
  { key: 'reference', states: ['REFERENCE_REQUESTED'] },
  { key: 'antom', states: ['REFERENCE_OBTAINED', 'SUBMITTING'] },
];

/**
 * Never a frozen screen: each journaled state is shown as it arrives, and the
 * cashier can always go back to the counter (button or Esc): the refund
 * carries on in main and is listed under Pending refunds.
 */
export function ProgressScreen() {
  const { t, lang } = useT();
  const { refund, submitting, intent, refreshRefund, leaveProgress } = useCashier();
  const terminalState = useTerminal((s) => s.status?.state ?? null);
  usePoll(() => void refreshRefund(), 2500, !submitting && refund !== null);
  useEscape(leaveProgress);
  const state: RefundState | 'NONE' = refund?.state ?? 'NONE';
  const current = Math.max(
    0,
    STEPS.findIndex((s) => s.states.includes(state)),
  );
  const amount = refund?.amount ?? intent?.amount ?? null;
  return (
    <Screen title={t('progress.title')} testId="screen-progress">
      {amount ? <p className="num big">{fmtMoney(amount, lang)}</p> : null}
      <div role="status" aria-live="polite" className="progress-status" data-testid="progress-status" data-state={state}>
        <span className="spinner" aria-hidden="true" />
        <span>{t(`progress.step.${STEPS[current]?.key ?? 'saving'}`)}</span>
      </div>
      {refund && state === 'REFERENCE_REQUESTED' && refund.resultCode?.startsWith('TERMINAL_') ? (
        // The journaled problem is the last ask's; once the header says the terminal
        // is back, the body says so too (the refund is being asked again right now).
        terminalState === 'authenticated' ? (
          <p className="notice notice-info" role="status" data-testid="progress-terminal-back" data-code={refund.resultCode}>
            {t('progress.terminalBack')}
          </p>
        ) : (
          <p
            className="notice notice-error"
            role="alert"
            data-testid="progress-terminal-problem"
            data-code={refund.resultCode}
            data-next-action={refund.nextAction}
          >
            {/* The terminal's code stays in data-code (support, tests): the cashier reads what to do. */}
            {t('progress.terminalProblem')}
          </p>
        )
      ) : null}
      <ol className="steps">
        {STEPS.map((s, i) => (
          <li key={s.key} className={i < current ? 'done' : i === current ? 'current' : 'todo'} aria-current={i === current ? 'step' : undefined}>
            {t(`progress.step.${s.key}`)}
          </li>
        ))}
      </ol>
      <p className="hint">{t('progress.keepOpen')}</p>
      <div className="actions action-bar">
        <button type="button" className="btn btn-large" data-testid="progress-back" onClick={leaveProgress}>
          {t('progress.backToCounter')}
        </button>
      </div>
    </Screen>
  );
}
