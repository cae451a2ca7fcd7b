/**
 * USB attach/detach of terminals, filtered by the id table. The host uses it to
 * report an unplug at once and to retry the connection as soon as the terminal returns.
 */
import { matchId, DEFAULT_TERMINAL_USB_IDS, UsbIdEntry } from './ids';
import type { UsbBackend, UsbDeviceInfo } from './usb-backend';

export interface HotplugWatcher {
  stop(): void;
}

export interface HotplugOptions {
  readonly usb: UsbBackend;
  readonly ids?: readonly UsbIdEntry[];
  /** Report every USB device, not only those in the table. */
  readonly includeUnknown?: boolean;
  readonly onAttach?: (d: UsbDeviceInfo & { known: boolean }) => void;
  readonly onDetach?: (d: UsbDeviceInfo & { known: boolean }) => void;
}

export function watchTerminalHotplug(opts: HotplugOptions): HotplugWatcher {
  const ids = opts.ids ?? DEFAULT_TERMINAL_USB_IDS;
  const wrap = (cb: ((d: UsbDeviceInfo & { known: boolean }) => void) | undefined) => (d: UsbDeviceInfo) => {
    const known = matchId(ids, d.vendorId, d.productId) !== null;
    if (known || opts.includeUnknown) cb?.({ ...d, known });
  };
  const unsub = opts.usb.watch(wrap(opts.onAttach), wrap(opts.onDetach));
  return { stop: unsub };
}
