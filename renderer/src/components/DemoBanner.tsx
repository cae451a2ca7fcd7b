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
 * counter or on the sign-in screen.
 */
export function SecretWarning() {
  const { t } = useT();
  const warning = useSettings((s) => s.appInfo?.secretWarning ?? null);
  const protection = useSettings((s) => s.appInfo?.secretProtection ?? '');
  const role = useSession((s) => s.session?.role ?? null);
  const tab = useNav((s) => s.tab);
  if (!warning || role === null || role === 'cashier' || areaOf(tab) !== 'technician') return null;
  return (
    <div className="secret-warning" role="note" data-testid="secret-warning" data-protection={protection}>
      <strong>{t('shell.secretWarningTitle')}</strong> <span>{t(`shell.secretWarningText.${protection}`, { defaultValue: warning })}</span>
    </div>
  );
}
