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

export function SecretWarning() {
  const { t } = useT();
  const warning = useSettings((s) => s.appInfo?.secretWarning ?? null);
  if (!warning) return null;
  return (
    <div className="secret-warning" role="note" data-testid="secret-warning">
      <strong>{t('shell.secretWarningTitle')}</strong> <span>{warning}</span>
    </div>
  );
}
