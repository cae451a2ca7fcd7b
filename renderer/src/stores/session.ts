import { create } from 'zustand';
import type { SessionView } from '../../../preload/contract/views';
import { api, type ApiFailure } from '../api/client';
import { useSettings } from './settings';

export type LockReason = 'idle' | 'expired' | null;

interface SessionState {
  /** 'unknown' until the first getSession answers. */
  readonly status: 'unknown' | 'signed-out' | 'signed-in';
  readonly session: SessionView | null;
  readonly lockReason: LockReason;
  readonly busy: boolean;
  readonly error: ApiFailure | null;
  load(): Promise<void>;
  /** `newPin` replaces a one-time PIN after the service answered PIN_CHANGE_REQUIRED. */
  signIn(userName: string, pin: string, newPin?: string): Promise<boolean>;
  signOut(reason?: LockReason): Promise<void>;
  expired(): void;
}

/**
 * #17: the person's own language follows them (kept on their user record):
 * applied at sign-in, so a new browser profile or another PC shows it. Someone
 * who never chose keeps the language they signed in with, saved as theirs.
 */
function applyPersonLanguage(session: SessionView): void {
  const settings = useSettings.getState();
  if (session.language !== null) settings.setLanguage(session.language);
  else void api().setMyLanguage({ language: settings.language });
}

export const useSession = create<SessionState>((set, get) => ({
  status: 'unknown',
  session: null,
  lockReason: null,
  busy: false,
  error: null,
  async load() {
    const r = await api().getSession({});
    if (r.ok && r.value) {
      applyPersonLanguage(r.value);
      set({ status: 'signed-in', session: r.value });
    } else set({ status: 'signed-out', session: null });
  },
  async signIn(userName, pin, newPin) {
    if (get().busy) return false;
    set({ busy: true, error: null });
    const r = await api().signIn({ userName: userName.trim(), pin, ...(newPin !== undefined ? { newPin } : {}) });
    if (r.ok) {
      applyPersonLanguage(r.value);
      set({ busy: false, status: 'signed-in', session: r.value, lockReason: null, error: null });
      return true;
    }
    set({ busy: false, error: r.error });
    return false;
  },
  async signOut(reason = null) {
    set({ status: 'signed-out', session: null, lockReason: reason, error: null });
    await api().signOut({});
  },
  expired() {
    if (get().status === 'signed-in') set({ status: 'signed-out', session: null, lockReason: 'expired' });
  },
}));
