import { create } from 'zustand';
import type { AppInfo } from '../../../preload/contract/views';
import { api } from '../api/client';
import { i18next } from '../i18n';
import { setDisplayTimeZone, type Language } from '../lib/format';
import type { ApiFailure } from '../api/client';

interface SettingsState {
  readonly language: Language;
  readonly appInfo: AppInfo | null;
  readonly appInfoError: ApiFailure | null;
  setLanguage(language: Language): void;
  loadAppInfo(): Promise<void>;
}

export const useSettings = create<SettingsState>((set) => ({
  language: 'en',
  appInfo: null,
  appInfoError: null,
  setLanguage(language) {
    void i18next.changeLanguage(language);
    document.documentElement.lang = language === 'zh' ? 'zh-CN' : 'en';
    try {
      window.localStorage.setItem('refund-terminal.language', language);
    } catch {
      // not persisted; fine
    }
    set({ language });
  },
  async loadAppInfo() {
    const r = await api().getAppInfo({});
    if (r.ok) {
      setDisplayTimeZone(r.value.timeZone);
      set({ appInfo: r.value, appInfoError: null });
    } else set({ appInfoError: r.error });
  },
}));
