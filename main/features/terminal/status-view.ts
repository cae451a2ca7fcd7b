/** The link's state as the screens show it (the status pill, the pairing wizard, the diagnostics bundle). */
import type { TerminalLink } from '../../../native-bridge';
import type { LinkStatusView } from '../../../preload/contract/terminal';

export interface LinkStatusSource {
  readonly link: Pick<TerminalLink, 'status'>;
  /** The port the app was configured with, shown while the link has not opened one yet. */
  readonly configuredPort: string | null;
  /** Demo only: the virtual terminal, whose pairing code the wizard shows in place of a screen. */
  readonly virtualTerminal: { currentPairingCode(): string | null } | null;
}

export function toLinkStatusView(src: LinkStatusSource): LinkStatusView {
  const s = src.link.status();
  const code = src.virtualTerminal?.currentPairingCode() ?? null;
  return {
    state: s.state,
    ...(s.reason !== undefined ? { reason: s.reason } : {}),
    ...(s.port !== undefined ? { port: s.port } : src.configuredPort ? { port: src.configuredPort } : {}),
    ...(s.terminal !== undefined ? { terminal: s.terminal } : {}),
    virtual: src.virtualTerminal !== null,
    ...(code ? { virtualPairingCode: code } : {}),
  };
}
