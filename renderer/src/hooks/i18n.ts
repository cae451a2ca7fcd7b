import { useTranslation } from 'react-i18next';
import { useSettings } from '../stores/settings';
import type { Language } from '../lib/format';

/** t() plus the current language for Intl formatting. */
export function useT(): { t: (key: string, options?: Record<string, unknown>) => string; lang: Language } {
  const { t } = useTranslation();
  const lang = useSettings((s) => s.language);
  return { t: (key, options) => String(t(key, options ?? {})), lang };
}
