import { useSession } from '../stores/session';
import { AREA_TABS, areaOf, areasFor, useNav, type Tab } from '../stores/nav';
import { useCashier } from '../stores/cashier';
import { useT } from '../hooks/i18n';
import { LanguageSwitch } from './LanguageSwitch';
import { TerminalIndicator } from './TerminalIndicator';
import { SecretWarning } from './DemoBanner';

export function Header() {
  const { t } = useT();
  const session = useSession((s) => s.session);
  const signOut = useSession((s) => s.signOut);
  const { tab, go } = useNav();
  const submitting = useCashier((s) => s.submitting);
  const tabs: Tab[] = session ? areasFor(session.role).flatMap((a) => [...AREA_TABS[a]]) : [];
  return (
    <header className="app-header">
      <div className="header-row">
        <span className="app-name">{t('shell.appName')}</span>
        <TerminalIndicator />
        <SecretWarning />
        <div className="header-right">
          <LanguageSwitch />
          {session ? (
            <div className="user-box" data-testid="signed-in-user">
              <span>
                {session.userName} <span className="muted">({t(`roles.${session.role}`)})</span>
              </span>
              <button type="button" className="btn btn-small" data-testid="sign-out" onClick={() => void signOut()} disabled={submitting}>
                {t('shell.signOut')}
              </button>
            </div>
          ) : null}
        </div>
      </div>
      {tabs.length > 1 ? (
        <nav aria-label={t('shell.navigation')} className="tabs">
          {tabs.map((tb) => (
            <button
              key={tb}
              type="button"
              className={`tab area-${areaOf(tb)}`}
              aria-current={tab === tb ? 'page' : undefined}
              data-testid={`nav-${tb}`}
              onClick={() => go(tb)}
            >
              {t(`nav.${tb}`)}
            </button>
          ))}
        </nav>
      ) : null}
    </header>
  );
}
