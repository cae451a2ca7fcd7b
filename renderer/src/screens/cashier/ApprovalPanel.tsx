import { useState, type FormEvent } from 'react';
import { useCashier } from '../../stores/cashier';
import { useT } from '../../hooks/i18n';
import { useAutoFocus } from '../../hooks/focus';
import { Field } from '../../components/Field';
import { PinField } from '../../components/PinField';
import { ErrorNotice } from '../../components/ErrorNotice';
import { useSession } from '../../stores/session';
import { KeypadToggle, NumberPad } from '../../components/NumberPad';

/** Manager name + PIN + reason, then approve or decline. */
export function ApprovalPanel() {
  const { t } = useT();
  const { approve, decline, actionBusy, actionError } = useCashier();
  const session = useSession((x) => x.session);
  // A manager signed in at this counter approves with their PIN only.
  const signedInManager = session?.role === 'manager' ? session.userName : null;
  const [manager, setManager] = useState('');
  const [pin, setPin] = useState('');
  const [reason, setReason] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const managerRef = useAutoFocus<HTMLInputElement>(signedInManager === null);
  const pinRef = useAutoFocus<HTMLInputElement>(signedInManager !== null);

  const run = async (kind: 'approve' | 'decline'): Promise<void> => {
    const who = signedInManager !== null && manager.trim() === '' ? '' : manager;
    if (signedInManager === null && who.trim() === '') return setProblem(t('approval.needManager'));
    if (!/^\d{4,8}$/.test(pin)) return setProblem(t('approval.needPin'));
    // A reason is required to decline; an approval may go without one.
    if ((kind === 'decline' && reason.trim() === '') || reason.length > 256) return setProblem(t('approval.needReason'));
    setProblem(null);
    const ok = kind === 'approve' ? await approve(who, pin, reason) : await decline(who === '' ? (signedInManager ?? '') : who, pin, reason);
    if (!ok) setPin('');
  };
  const onSubmit = (e: FormEvent): void => {
    e.preventDefault();
    void run('approve');
  };

  return (
    <section className="approval-panel" role="dialog" aria-modal="false" aria-labelledby="approval-title" data-testid="approval-dialog">
      <h2 id="approval-title">{t('approval.title')}</h2>
      <p className="hint">{signedInManager !== null ? t('approval.explainSignedIn', { manager: signedInManager }) : t('approval.explain')}</p>
      <form onSubmit={onSubmit} noValidate className="stack">
        {signedInManager === null ? (
          <Field
            label={t('approval.manager')}
            inputRef={managerRef}
            value={manager}
            autoComplete="off"
            maxLength={40}
            onChange={(e) => setManager(e.target.value)}
            data-testid="approval-manager"
          />
        ) : null}
        <PinField inputRef={pinRef} label={t('approval.pin')} autoComplete="off" value={pin} onChange={setPin} data-testid="approval-pin" />
        <div className="keypad-row">
          <NumberPad targets={[pinRef]} label={t('keypad.pinLabel')} testId="approval-pad" />
          <KeypadToggle />
        </div>
        <Field label={t('approval.reason')} value={reason} maxLength={256} onChange={(e) => setReason(e.target.value)} data-testid="approval-reason" />
        {problem ? (
          <p className="field-error" role="alert">
            {problem}
          </p>
        ) : null}
        {/* One message at a time: a new local problem replaces the last server answer. */}
        {problem ? null : <ErrorNotice error={actionError} testId="approval-error" />}
        <div className="actions action-bar">
          <button type="button" className="btn btn-danger btn-large" data-testid="decline-button" disabled={actionBusy} onClick={() => void run('decline')}>
            {t('approval.decline')}
          </button>
          <button type="submit" className="btn btn-primary btn-large" data-testid="approve-button" disabled={actionBusy}>
            {t('approval.approve')}
          </button>
        </div>
      </form>
    </section>
  );
}
