import i18next from 'i18next';
import { initReactI18next } from 'react-i18next';
import enText from './en.json?raw';
import zhText from './zh.json?raw';
import type { Language } from '../lib/format';

export type Messages = { [key: string]: string | Messages };

export const resources = {
  en: { translation: JSON.parse(enText) as Messages },
  zh: { translation: JSON.parse(zhText) as Messages },
};

export function initialLanguage(): Language {
  try {
    const saved = window.localStorage.getItem('refund-terminal.language');
    if (saved === 'en' || saved === 'zh') return saved;
  } catch {
    // storage unavailable: fall through
  }
  return typeof navigator !== 'undefined' && navigator.language.toLowerCase().startsWith('zh') ? 'zh' : 'en';
}

export function setupI18n(language: Language): typeof i18next {
  void i18next.use(initReactI18next).init({
    resources,
    lng: language,
    fallbackLng: 'en',
    interpolation: { escapeValue: false },
    returnNull: false,
  });
  return i18next;
}

export { i18next };
