import { useEffect, useState } from 'react';
import type { RefundReasonView } from '../../../preload/contract/views';
import { api } from '../api/client';
import { useCashier } from '../stores/cashier';
import { useT } from '../hooks/i18n';
import { listedReasonLabel } from '../lib/reasons';

/** Keys 1..9 pick a reason on the review screen (outside text fields). */
const MAX_KEYED = 9;

/**
 * The refund reason, in one tap or one key: the manager's active reasons as
 * toggle buttons numbered 1..9. Picking one hands focus back to the confirm
 * button, so "scan, 2, Enter" refunds with the reason "wrong amount charged".
 */
export function ReasonPicker() {
  const { t } = useT();
  const reasonCode = useCashier((s) => s.reasonCode);
  const setReason = useCashier((s) => s.setReason);
  const submitting = useCashier((s) => s.submitting);
  const [reasons, setReasons] = useState<readonly RefundReasonView[]>([]);
  useEffect(() => {
    let live = true;
    void api()
      .listRefundReasons({})
      .then((r) => {
        if (live && r.ok) setReasons(r.value.filter((x) => x.active));
      });
    return () => {
      live = false;
    };
  }, []);

  const pick = (code: string): void => {
    setReason(reasonCode === code ? null : code);
    // Back to the main action: the next Enter confirms the refund.
    document.querySelector<HTMLButtonElement>('[data-testid="confirm-refund"]')?.focus();
  };

  useEffect(() => {
    const onKey = (e: KeyboardEvent): void => {
      if (e.ctrlKey || e.metaKey || e.altKey || submitting) return;
      const tag = (e.target as HTMLElement | null)?.tagName ?? '';
      if (tag === 'INPUT' || tag === 'TEXTAREA' || tag === 'SELECT') return;
      const n = Number(e.key);
      if (!Number.isInteger(n) || n < 1 || n > Math.min(reasons.length, MAX_KEYED)) return;
      const r = reasons[n - 1];
      if (!r) return;
      e.preventDefault();
      pick(r.code);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  });

  if (reasons.length === 0) return null;
  return (
    <div className="reason-picker" role="group" aria-labelledby="reason-picker-label" data-testid="reason-picker">
      <p id="reason-picker-label" className="reason-picker-label">
        {t('reasonPicker.label')} <span className="hint">{t('reasonPicker.hint')}</span>
      </p>
      <div className="reason-buttons">
        {reasons.map((r, i) => (
          <button
            key={r.code}
            type="button"
            className="btn reason-button"
            aria-pressed={reasonCode === r.code}
            data-testid="reason-option"
            data-reason-code={r.code}
            disabled={submitting}
            onClick={() => pick(r.code)}
          >
            {i < MAX_KEYED ? <kbd aria-hidden="true">{i + 1}</kbd> : null} {listedReasonLabel(r, t)}
          </button>
        ))}
      </div>
    </div>
  );
}
