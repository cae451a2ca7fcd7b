import { useId, useState } from 'react';
import { useSettings } from '../stores/settings';
import { useT } from '../hooks/i18n';
import { useSession } from '../stores/session';
import { areaOf, useNav } from '../stores/nav';

export function DemoBanner() {
  const { t } = useT();
  const demo = useSettings((s) => s.appInfo?.demo ?? false);
  if (!demo) return null;
  return (
    <div className="demo-banner" role="status" data-testid="demo-banner">
      <strong>{t('shell.demoBanner')}</strong> <span>{t('shell.demoBannerDetail')}</span>
    </div>
  );
}

/**
 * The secret-protection warning is for whoever can fix it: shown on the
 * technician's screens (technicians and managers reach them), never at the
 * counter or on the sign-in screen; a compact button in the header row that
 * opens the full sentence on demand, so it costs no screen height.
 */
export function SecretWarning() {
  const { t } = useT();
  const warning = useSettings((s) => s.appInfo?.secretWarning ?? null);
  const protection = useSettings((s) => s.appInfo?.secretProtection ?? '');
  const role = useSession((s) => s.session?.role ?? null);
  const tab = useNav((s) => s.tab);
  const [open, setOpen] = useState(false);
  const id = useId();
  if (!warning || role === null || role === 'cashier' || areaOf(tab) !== 'technician') return null;
  return (
    <div className="secret-warning" data-testid="secret-warning" data-protection={protection}>
      <button type="button" className="btn btn-small secret-toggle" aria-expanded={open} aria-controls={id} onClick={() => setOpen((o) => !o)}>
        <span aria-hidden="true">⚠</span> {t('shell.secretWarningTitle')}
      </button>
      <p id={id} role="note" className="secret-detail" hidden={!open}>
        {t(`shell.secretWarningText.${protection}`, { defaultValue: warning })}
      </p>
    </div>
  );
}
