import { create } from 'zustand';
import type { JournalHealthView } from '../../../preload/contract/views';
import { api } from '../api/client';

/** The journal's alarms (low disk, Antom answers not saved yet), polled for the banner on every screen. */
interface JournalState {
  readonly health: JournalHealthView | null;
  refresh(): Promise<void>;
}

export const useJournal = create<JournalState>((set) => ({
  health: null,
  async refresh() {
    const r = await api().getJournalHealth({});
    if (r.ok) set({ health: r.value });
  },
}));
