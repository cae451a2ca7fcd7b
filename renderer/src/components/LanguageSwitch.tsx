import { useSettings } from '../stores/settings';
import { useT } from '../hooks/i18n';
import type { Language } from '../lib/format';
import { useSession } from '../stores/session';
import { api } from '../api/client';

const LANGS: readonly { code: Language; label: string; lang: string }[] = [
  { code: 'en', label: 'EN', lang: 'en' },
  { code: 'zh', label: '中文', lang: 'zh-CN' },
];

export function LanguageSwitch() {
  const { t } = useT();
  const language = useSettings((s) => s.language);
  const setLanguage = useSettings((s) => s.setLanguage);
  return (
    <div className="lang-switch" role="group" aria-label={t('shell.language')}>
      {LANGS.map((l) => (
        <button
          key={l.code}
          type="button"
          lang={l.lang}
          className="btn btn-small"
          aria-pressed={language === l.code}
          data-testid={`lang-${l.code}`}
          onClick={() => {
            setLanguage(l.code);
            // Signed in: the choice is this person's (kept on their record); on the sign-in screen it is this PC's.
            if (useSession.getState().status === 'signed-in') void api().setMyLanguage({ language: l.code });
          }}
        >
          {l.label}
        </button>
      ))}
    </div>
  );
}
