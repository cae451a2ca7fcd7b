/** Terminal-link views as the renderer sees them (no keys, no nonces). */
export interface LinkStatusView {
  readonly state: 'disconnected' | 'connecting' | 'unpaired' | 'authenticated' | 'down';
  readonly reason?: string;
  readonly port?: string;
  readonly terminal?: { readonly serial: string; readonly model: string; readonly firmware: string };
  /** True when this is the demo's virtual terminal. */
  readonly virtual: boolean;
  /**
   * Demo only: the pairing code the virtual terminal "shows on its screen" (a real
   * terminal shows it on its own display, and then this is absent).
   */
  readonly virtualPairingCode?: string;
}

export interface TerminalCandidateView {
  readonly path: string;
  readonly source: string;
  readonly vendorId?: number;
  readonly productId?: number;
  readonly serialNumber?: string;
  readonly manufacturer?: string;
  readonly accessible: boolean;
  readonly problem?: { readonly code: string; readonly message: string; readonly fix: string };
}

export interface PingView {
  readonly rttsMs: number[];
  readonly failures: number;
  readonly stats: Record<string, number>;
}
