import { useId, useState } from 'react';
import { useSettings } from '../stores/settings';
import { useT } from '../hooks/i18n';

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
 * The security warning as a compact button in the header row: it costs no
 * screen height at the counter, and opens the full sentence on demand.
 */
export function SecretWarning() {
  const { t } = useT();
  const warning = useSettings((s) => s.appInfo?.secretWarning ?? null);
  const [open, setOpen] = useState(false);
  const id = useId();
  if (!warning) return null;
  return (
    <div className="secret-warning" data-testid="secret-warning">
      <button type="button" className="btn btn-small secret-toggle" aria-expanded={open} aria-controls={id} onClick={() => setOpen((o) => !o)}>
        <span aria-hidden="true">⚠</span> {t('shell.secretWarningTitle')}
      </button>
      <p id={id} role="note" className="secret-detail" hidden={!open}>
        {warning}
      </p>
    </div>
  );
}
