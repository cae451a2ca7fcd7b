import { create } from 'zustand';
import type { LinkStatusView } from '../../../preload/contract/terminal';
import { api } from '../api/client';

interface TerminalState {
  readonly status: LinkStatusView | null;
  setStatus(status: LinkStatusView): void;
  refresh(): Promise<void>;
}

export const useTerminal = create<TerminalState>((set) => ({
  status: null,
  setStatus(status) {
    set({ status });
  },
  async refresh() {
    const r = await api().getTerminalStatus({});
    if (r.ok) set({ status: r.value });
  },
}));
