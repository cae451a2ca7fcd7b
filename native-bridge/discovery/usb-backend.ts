/**
 * The `usb` package behind a small interface, so discovery and the hotplug
 * watcher can be tested with recorded descriptors and run where libusb is absent.
 */
import { z } from 'zod';

export const UsbDeviceInfoSchema = z.object({
  vendorId: z.number().int(),
  productId: z.number().int(),
  serialNumber: z.string().optional(),
  manufacturer: z.string().optional(),
  product: z.string().optional(),
  /** libusb bus id as reported by `usb` (e.g. "1-1" / "3"). */
  bus: z.string().optional(),
  address: z.number().int().optional(),
  ports: z.array(z.number().int()).optional(),
});
export type UsbDeviceInfo = z.infer<typeof UsbDeviceInfoSchema>;

export interface UsbBackend {
  list(): Promise<UsbDeviceInfo[]>;
  /** Subscribes to attach/detach; returns an unsubscribe function. */
  watch(onAttach: (d: UsbDeviceInfo) => void, onDetach: (d: UsbDeviceInfo) => void): () => void;
}

/** Shape of the parts of `usb`'s WebUSB-style device we read. */
interface NodeUsbDevice {
  vendorId: number;
  productId: number;
  serialNumber?: string;
  manufacturerName?: string;
  productName?: string;
  bus?: string;
  address?: number;
  ports?: number[];
}
interface NodeUsbLike {
  getDevices(): Promise<NodeUsbDevice[]>;
  addEventListener(type: 'connect' | 'disconnect', l: (ev: { device: NodeUsbDevice }) => void): void;
  removeEventListener(type: 'connect' | 'disconnect', l: (ev: { device: NodeUsbDevice }) => void): void;
}

function toInfo(d: NodeUsbDevice): UsbDeviceInfo {
  return {
    vendorId: d.vendorId,
    productId: d.productId,
    ...(d.serialNumber ? { serialNumber: d.serialNumber } : {}),
    ...(d.manufacturerName ? { manufacturer: d.manufacturerName } : {}),
    ...(d.productName ? { product: d.productName } : {}),
    ...(d.bus !== undefined ? { bus: String(d.bus) } : {}),
    ...(d.address !== undefined ? { address: d.address } : {}),
    ...(d.ports ? { ports: [...d.ports] } : {}),
  };
}

/**
 * Loads the native `usb` module. Returns null (with the reason) when it cannot
 * load, e.g. no libusb on this machine: discovery then relies on sysfs/serialport.
 */
export function createNodeUsbBackend(): { backend: UsbBackend | null; problem?: string } {
  let mod: { usb?: NodeUsbLike };
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    mod = require('usb') as { usb?: NodeUsbLike };
  } catch (e) {
    return { backend: null, problem: `USB access unavailable (${e instanceof Error ? e.message : String(e)})` };
  }
  const usb = mod.usb;
  if (!usb) return { backend: null, problem: 'the usb module has no WebUSB-style `usb` export' };
  return {
    backend: {
      async list() {
        return (await usb.getDevices()).map(toInfo);
      },
      watch(onAttach, onDetach) {
        const a = (ev: { device: NodeUsbDevice }): void => onAttach(toInfo(ev.device));
        const d = (ev: { device: NodeUsbDevice }): void => onDetach(toInfo(ev.device));
        // Subscribing makes node-usb enumerate in the background, and on a machine
        // without a USB bus (containers, some kiosks) that rejects unhandled and
        // kills the process. Probe first; only a working bus gets listeners.
        let stopped = false;
        let subscribed = false;
        usb.getDevices().then(
          () => {
            if (stopped) return;
            usb.addEventListener('connect', a);
            usb.addEventListener('disconnect', d);
            subscribed = true;
          },
          () => undefined, // no bus: nothing to watch; the serial presence check still notices unplugs
        );
        return () => {
          stopped = true;
          if (!subscribed) return;
          usb.removeEventListener('connect', a);
          usb.removeEventListener('disconnect', d);
        };
      },
    },
  };
}

/** A backend replaying recorded descriptors (tests, demos without a USB bus). */
export function createRecordedUsbBackend(devices: readonly UsbDeviceInfo[]): UsbBackend & { attach(d: UsbDeviceInfo): void; detach(d: UsbDeviceInfo): void } {
  const current = [...devices];
  const listeners = new Set<{ a: (d: UsbDeviceInfo) => void; d: (d: UsbDeviceInfo) => void }>();
  return {
    async list() {
      return [...current];
    },
    watch(a, d) {
      const l = { a, d };
      listeners.add(l);
      return () => listeners.delete(l);
    },
    attach(dev) {
      current.push(dev);
      for (const l of listeners) l.a(dev);
    },
    detach(dev) {
      const i = current.findIndex((x) => x.vendorId === dev.vendorId && x.productId === dev.productId && x.serialNumber === dev.serialNumber);
      if (i >= 0) current.splice(i, 1);
      for (const l of listeners) l.d(dev);
    },
  };
}
