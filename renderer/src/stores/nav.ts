import { create } from 'zustand';
import type { Role } from '../../../preload/contract/views';

export type Area = 'cashier' | 'manager' | 'technician';
export type Tab = 'refund' | 'dashboard' | 'policy' | 'store' | 'users' | 'audit' | 'pairing' | 'diagnostics' | 'antom';

export const AREA_TABS: Readonly<Record<Area, readonly Tab[]>> = {
  cashier: ['refund'],
  manager: ['dashboard', 'policy', 'store', 'users', 'audit'],
  technician: ['pairing', 'diagnostics', 'antom'],
};

export function areasFor(role: Role): readonly Area[] {
  switch (role) {
    case 'cashier':
      return ['cashier'];
    case 'manager':
      return ['cashier', 'manager', 'technician'];
    case 'technician':
      return ['technician'];
  }
}

interface NavState {
  readonly tab: Tab;
  go(tab: Tab): void;
  home(role: Role): void;
}

export function areaOf(tab: Tab): Area {
  return (Object.keys(AREA_TABS) as Area[]).find((a) => AREA_TABS[a].includes(tab)) ?? 'cashier';
}

export const useNav = create<NavState>((set) => ({
  tab: 'refund',
  go(tab) {
    set({ tab });
  },
  home(role) {
    set({ tab: role === 'technician' ? 'pairing' : 'refund' });
  },
}));
