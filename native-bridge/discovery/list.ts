/**
 * Finds serial device paths that may be an Antom terminal. Sources, merged by
 * device path: USB descriptors via `usb`, Linux sysfs (/sys/class/tty/<tty>/device/..),
 * /dev/serial/by-id links, and serialport's SerialPort.list() (which needs
 * udevadm on Linux and throws without it: that is caught). A candidate is only
 * a candidate: the host confirms a terminal by a successful `hello`.
 */
import { constants as fsc, promises as fs } from 'node:fs';
import path from 'node:path';
import { describePortError } from './port-errors';
import { DEFAULT_TERMINAL_USB_IDS, matchId, UsbIdEntry } from './ids';
import { createNodeUsbBackend, UsbBackend, UsbDeviceInfo } from './usb-backend';

export type CandidateSource = 'usb' | 'sysfs' | 'by-id' | 'serialport';

export interface CandidateProblem {
  readonly code: 'EACCES' | 'ENOENT' | 'EBUSY' | 'NO_TTY' | 'OTHER';
  readonly message: string;
  readonly fix: string;
}

export interface TerminalCandidate {
  /** Device node to open (e.g. /dev/ttyACM0, COM3), or `usb:<bus>:<address>` when no tty exists for a USB terminal. */
  readonly path: string;
  /** A path that survives re-plugging (/dev/serial/by-id/...), when there is one. */
  readonly stablePath?: string;
  readonly vendorId?: number;
  readonly productId?: number;
  readonly serialNumber?: string;
  readonly manufacturer?: string;
  readonly product?: string;
  readonly source: CandidateSource;
  /** Matches the vendor/product id table (else it is just some CDC-ACM / USB-serial port). */
  readonly known: boolean;
  readonly name?: string;
  readonly accessible: boolean;
  readonly problem?: CandidateProblem;
}

/** What serialport's SerialPort.list() returns (subset). */
export interface SerialPortListEntry {
  path: string;
  vendorId?: string | undefined;
  productId?: string | undefined;
  serialNumber?: string | undefined;
  manufacturer?: string | undefined;
}

export interface DiscoveryOptions {
  /** Vendor/product table from configuration; default DEFAULT_TERMINAL_USB_IDS. */
  readonly ids?: readonly UsbIdEntry[];
  /** Also list CDC-ACM / USB-serial ports that are not in the table (technician picks). Default true. */
  readonly includeUnknown?: boolean;
  /** USB backend; undefined = load `usb`, null = do not use USB. */
  readonly usb?: UsbBackend | null;
  /** Undefined = serialport's SerialPort.list; null = skip. */
  readonly serialportList?: (() => Promise<SerialPortListEntry[]>) | null;
  readonly sysRoot?: string;
  readonly devRoot?: string;
  readonly platform?: NodeJS.Platform;
  /** Check read/write access to each path (default true). */
  readonly checkAccess?: boolean;
  /** Access probe (default fs.access R/W); injectable because tests run as root. */
  readonly access?: (path: string) => Promise<void>;
  /** /etc/group, to name the group a user must join. */
  readonly groupFile?: string;
  readonly onWarning?: (message: string) => void;
}

interface Partial_ {
  path: string;
  stablePath?: string;
  vendorId?: number;
  productId?: number;
  serialNumber?: string;
  manufacturer?: string;
  product?: string;
  sources: Set<CandidateSource>;
  bus?: string;
  busnum?: number;
  devnum?: number;
}

const TTY_RE = /^(ttyACM|ttyUSB|ttyAMA|rfcomm)\d+$/;
const SOURCE_ORDER: readonly CandidateSource[] = ['usb', 'sysfs', 'by-id', 'serialport'];

async function readTrim(p: string): Promise<string | undefined> {
  try {
    const v = (await fs.readFile(p, 'utf8')).trim();
    return v.length > 0 ? v : undefined;
  } catch {
    return undefined;
  }
}

async function sysfsEntries(sysRoot: string, devRoot: string, warn: (m: string) => void): Promise<Partial_[]> {
  const dir = path.join(sysRoot, 'class', 'tty');
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch (e) {
    warn(`cannot read ${dir}: ${e instanceof Error ? e.message : String(e)}`);
    return [];
  }
  const out: Partial_[] = [];
  for (const name of names.filter((n) => TTY_RE.test(n)).sort()) {
    let dev: string;
    try {
      // /sys/class/tty/<tty>/device is the USB interface (or usb-serial port); the USB device is above it.
      dev = await fs.realpath(path.join(dir, name, 'device'));
    } catch {
      continue; // virtual tty without a device
    }
    let usbDir: string | null = null;
    for (let up = 0, cur = dev; up < 4; up++, cur = path.dirname(cur)) {
      if (await readTrim(path.join(cur, 'idVendor'))) {
        usbDir = cur;
        break;
      }
    }
    const entry: Partial_ = { path: path.join(devRoot, name), sources: new Set(['sysfs']) };
    if (usbDir) {
      const vid = await readTrim(path.join(usbDir, 'idVendor'));
      const pid = await readTrim(path.join(usbDir, 'idProduct'));
      if (vid) entry.vendorId = parseInt(vid, 16);
      if (pid) entry.productId = parseInt(pid, 16);
      const serial = await readTrim(path.join(usbDir, 'serial'));
      const manufacturer = await readTrim(path.join(usbDir, 'manufacturer'));
      const product = await readTrim(path.join(usbDir, 'product'));
      const busnum = await readTrim(path.join(usbDir, 'busnum'));
      const devnum = await readTrim(path.join(usbDir, 'devnum'));
      if (serial) entry.serialNumber = serial;
      if (manufacturer) entry.manufacturer = manufacturer;
      if (product) entry.product = product;
      if (busnum) entry.busnum = parseInt(busnum, 10);
      if (devnum) entry.devnum = parseInt(devnum, 10);
      entry.bus = path.basename(usbDir);
    }
    out.push(entry);
  }
  return out;
}

async function byIdEntries(devRoot: string): Promise<Partial_[]> {
  const dir = path.join(devRoot, 'serial', 'by-id');
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch {
    return []; // absent without udev, or no serial devices: not worth a warning
  }
  const out: Partial_[] = [];
  for (const name of names.sort()) {
    const link = path.join(dir, name);
    let target: string;
    try {
      target = await fs.realpath(link);
    } catch {
      continue;
    }
    // usb-<Manufacturer>_<Product>_<Serial>-if<NN>[-port<N>]
    const m = /^usb-(.+)_([^_]+?)-if\d+/.exec(name);
    const entry: Partial_ = { path: target, stablePath: link, sources: new Set(['by-id']) };
    if (m?.[2]) entry.serialNumber = m[2];
    if (m?.[1]) entry.product = m[1].replace(/_/g, ' ');
    out.push(entry);
  }
  return out;
}

async function serialportEntries(list: () => Promise<SerialPortListEntry[]>, warn: (m: string) => void): Promise<Partial_[]> {
  let ports: SerialPortListEntry[];
  try {
    ports = await list();
  } catch (e) {
    warn(`serial port listing unavailable (${e instanceof Error ? e.message : String(e)}); using sysfs and /dev/serial/by-id`);
    return [];
  }
  return ports.map((p) => {
    const e: Partial_ = { path: p.path, sources: new Set(['serialport']) };
    if (p.vendorId) e.vendorId = parseInt(p.vendorId, 16);
    if (p.productId) e.productId = parseInt(p.productId, 16);
    if (p.serialNumber) e.serialNumber = p.serialNumber;
    if (p.manufacturer) e.manufacturer = p.manufacturer;
    return e;
  });
}

function merge(into: Map<string, Partial_>, e: Partial_): void {
  const cur = into.get(e.path);
  if (!cur) {
    into.set(e.path, { ...e, sources: new Set(e.sources) });
    return;
  }
  for (const s of e.sources) cur.sources.add(s);
  // First source to know a field wins; later ones fill gaps.
  cur.stablePath ??= e.stablePath;
  cur.vendorId ??= e.vendorId;
  cur.productId ??= e.productId;
  cur.serialNumber ??= e.serialNumber;
  cur.manufacturer ??= e.manufacturer;
  cur.product ??= e.product;
  cur.bus ??= e.bus;
  cur.busnum ??= e.busnum;
  cur.devnum ??= e.devnum;
}

async function groupOf(file: string, groupFile: string): Promise<string | null> {
  try {
    const st = await fs.stat(file);
    const groups = await fs.readFile(groupFile, 'utf8');
    for (const line of groups.split('\n')) {
      const [name, , gid] = line.split(':');
      if (name && gid !== undefined && Number(gid) === st.gid) return name;
    }
  } catch {
    /* unknown group: the generic fix applies */
  }
  return null;
}

async function accessProblem(
  p: string,
  platform: NodeJS.Platform,
  groupFile: string,
  access: (p: string) => Promise<void>,
): Promise<CandidateProblem | undefined> {
  if (!p.startsWith('/')) return undefined; // COMn: only opening tells
  try {
    await access(p);
    return undefined;
  } catch (e) {
    const d = describePortError(e, p, platform);
    if (d.code === 'EACCES' && platform === 'linux') {
      const g = await groupOf(p, groupFile);
      if (g) {
        return {
          code: 'EACCES',
          message: `Permission denied: ${p} belongs to group "${g}" and this user is not in it.`,
          fix: `sudo usermod -aG ${g} "$USER", then log out and back in (or install resources/udev/99-antom-terminal.rules to /etc/udev/rules.d/ and run: sudo udevadm control --reload-rules && sudo udevadm trigger).`,
        };
      }
    }
    return { code: d.code, message: d.message, fix: d.fix };
  }
}

function usbMatches(u: UsbDeviceInfo, c: Partial_): boolean {
  if (c.vendorId !== u.vendorId || c.productId !== u.productId) return false;
  if (u.serialNumber && c.serialNumber) return u.serialNumber === c.serialNumber;
  return true;
}

export async function listTerminalCandidates(opts: DiscoveryOptions = {}): Promise<TerminalCandidate[]> {
  const ids = opts.ids ?? DEFAULT_TERMINAL_USB_IDS;
  const platform = opts.platform ?? process.platform;
  const sysRoot = opts.sysRoot ?? '/sys';
  const devRoot = opts.devRoot ?? '/dev';
  const warn = opts.onWarning ?? (() => undefined);
  const byPath = new Map<string, Partial_>();

  if (platform === 'linux') {
    for (const e of await sysfsEntries(sysRoot, devRoot, warn)) merge(byPath, e);
    for (const e of await byIdEntries(devRoot)) merge(byPath, e);
  }
  let list = opts.serialportList;
  if (list === undefined) {
    list = async () => {
      const { SerialPort } = await import('serialport');
      return SerialPort.list();
    };
  }
  if (list) for (const e of await serialportEntries(list, warn)) merge(byPath, e);

  let usb = opts.usb;
  if (usb === undefined) {
    const loaded = createNodeUsbBackend();
    if (loaded.problem) warn(loaded.problem);
    usb = loaded.backend;
  }
  if (usb) {
    let devices: UsbDeviceInfo[] = [];
    try {
      devices = await usb.list();
    } catch (e) {
      warn(`USB enumeration failed (${e instanceof Error ? e.message : String(e)})`);
    }
    for (const u of devices) {
      const known = matchId(ids, u.vendorId, u.productId);
      const tty = [...byPath.values()].find((c) => usbMatches(u, c));
      if (tty) {
        tty.sources.add('usb');
        tty.serialNumber ??= u.serialNumber;
        tty.manufacturer ??= u.manufacturer;
        tty.product ??= u.product;
      } else if (known) {
        // A terminal on the bus without a serial node: the CDC-ACM driver did not bind.
        byPath.set(`usb:${u.bus ?? '?'}:${u.address ?? '?'}`, {
          path: `usb:${u.bus ?? '?'}:${u.address ?? '?'}`,
          vendorId: u.vendorId,
          productId: u.productId,
          ...(u.serialNumber ? { serialNumber: u.serialNumber } : {}),
          ...(u.manufacturer ? { manufacturer: u.manufacturer } : {}),
          ...(u.product ? { product: u.product } : {}),
          sources: new Set(['usb']),
        });
      }
    }
  }

  const out: TerminalCandidate[] = [];
  for (const c of byPath.values()) {
    const known = matchId(ids, c.vendorId, c.productId);
    const isUsbSerial = c.vendorId !== undefined || /ttyACM|ttyUSB|usbmodem|usbserial/i.test(c.path) || /^COM\d+$/i.test(c.path);
    if (!known && !(opts.includeUnknown ?? true)) continue;
    if (!known && !isUsbSerial) continue; // onboard UARTs (ttyS0) are not terminals
    const source = SOURCE_ORDER.find((s) => c.sources.has(s)) ?? 'serialport';
    let problem: CandidateProblem | undefined;
    if (c.path.startsWith('usb:')) {
      problem = {
        code: 'NO_TTY',
        message: 'The terminal is on the USB bus but no serial port was created for it.',
        fix:
          platform === 'linux'
            ? 'Load the CDC-ACM driver (sudo modprobe cdc_acm) and re-plug the terminal.'
            : "Install the terminal's USB serial driver and re-plug it.",
      };
    } else if (opts.checkAccess ?? true)
      problem = await accessProblem(c.path, platform, opts.groupFile ?? '/etc/group', opts.access ?? ((x) => fs.access(x, fsc.R_OK | fsc.W_OK)));
    out.push({
      path: c.path,
      ...(c.stablePath ? { stablePath: c.stablePath } : {}),
      ...(c.vendorId !== undefined ? { vendorId: c.vendorId } : {}),
      ...(c.productId !== undefined ? { productId: c.productId } : {}),
      ...(c.serialNumber ? { serialNumber: c.serialNumber } : {}),
      ...(c.manufacturer ? { manufacturer: c.manufacturer } : {}),
      ...(c.product ? { product: c.product } : {}),
      source,
      known: known !== null,
      ...(known?.name ? { name: known.name } : {}),
      accessible: problem === undefined,
      ...(problem ? { problem } : {}),
    });
  }
  // Known terminals first, then by path.
  return out.sort((a, b) => Number(b.known) - Number(a.known) || a.path.localeCompare(b.path));
}
