/**
 * Whether the paired terminal is known to be down, from the link's status
 * events, and the "it is back" edge that resumes refunds waiting on it
 * (issue #12 item 8: event-driven, not a backoff timer).
 *
 * Known down = the link last settled on something other than authenticated
 * (down, disconnected, unpaired). 'connecting' changes nothing: a reconnect
 * attempt during an outage is not yet a terminal, and at start-up (before the
 * first attempt settles) nothing is known, so a refund is not refused then.
 */
import type { LinkStatus } from '../../native-bridge';

export interface StatusSource {
  on(event: 'status', listener: (s: LinkStatus) => void): unknown;
  off(event: 'status', listener: (s: LinkStatus) => void): unknown;
}

export interface TerminalAvailability {
  /** Why the terminal is known to be down, or null. */
  downReason(): string | null;
  stop(): void;
}

export function watchTerminalAvailability(link: StatusSource, onAuthenticated: () => void): TerminalAvailability {
  let down: string | null = null;
  const listener = (st: LinkStatus): void => {
    if (st.state === 'authenticated') {
      down = null;
      onAuthenticated();
    } else if (st.state !== 'connecting') {
      down = st.reason ? `${st.state}: ${st.reason}` : st.state;
    }
  };
  link.on('status', listener);
  return {
    downReason: () => down,
    stop: () => void link.off('status', listener),
  };
}
