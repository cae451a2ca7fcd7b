import { describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { listTerminalCandidates, SerialPortListEntry } from '../../../native-bridge/discovery/list';
import { createRecordedUsbBackend, UsbDeviceInfoSchema } from '../../../native-bridge/discovery/usb-backend';
import { watchTerminalHotplug } from '../../../native-bridge/discovery/hotplug';
import { DEFAULT_TERMINAL_USB_IDS, parseUsbId } from '../../../native-bridge/discovery/ids';
import { describePortError } from '../../../native-bridge/discovery/port-errors';

const Fixture = z.object({
  platform: z.string(),
  dirs: z.array(z.string()),
  files: z.record(z.string(), z.string()),
  symlinks: z.record(z.string(), z.string()),
  usbDevices: z.array(UsbDeviceInfoSchema),
  serialportList: z.union([z.object({ error: z.string() }), z.array(z.object({ path: z.string() }).passthrough())]),
});

function materialise(name: string) {
  const fx = Fixture.parse(JSON.parse(readFileSync(path.join(__dirname, '../../fixtures/usb', name), 'utf8')));
  const root = mkdtempSync(path.join(tmpdir(), 'usbfx-'));
  for (const d of fx.dirs) mkdirSync(path.join(root, d), { recursive: true });
  for (const [f, content] of Object.entries(fx.files)) {
    mkdirSync(path.dirname(path.join(root, f)), { recursive: true });
    writeFileSync(path.join(root, f), content);
  }
  for (const [l, target] of Object.entries(fx.symlinks)) {
    mkdirSync(path.dirname(path.join(root, l)), { recursive: true });
    symlinkSync(target, path.join(root, l));
  }
  const sp = fx.serialportList;
  const serialportList = async (): Promise<SerialPortListEntry[]> => {
    if (!Array.isArray(sp)) throw new Error(sp.error);
    return sp as SerialPortListEntry[];
  };
  return { fx, root, sysRoot: path.join(root, 'sys'), devRoot: path.join(root, 'dev'), groupFile: path.join(root, 'etc/group'), serialportList };
}

describe('discovery from recorded descriptors (linux-register.json)', () => {
  it('finds the Antom terminal via sysfs + by-id + usb, survives serialport failing without udevadm', async () => {
    const m = materialise('linux-register.json');
    const warnings: string[] = [];
    const list = await listTerminalCandidates({
      platform: 'linux',
      sysRoot: m.sysRoot,
      devRoot: m.devRoot,
      groupFile: m.groupFile,
      usb: createRecordedUsbBackend(m.fx.usbDevices),
      serialportList: m.serialportList,
      onWarning: (w) => warnings.push(w),
    });
    expect(warnings.join('\n')).toMatch(/udevadm/);
    const antom = list.find((c) => c.serialNumber === 'AT-PX-00042');
    expect(antom).toMatchObject({
      path: path.join(m.devRoot, 'ttyACM0'),
      stablePath: path.join(m.devRoot, 'serial/by-id/usb-Antom_PX1_Payment_Terminal_AT-PX-00042-if00'),
      vendorId: 0x2ca3,
      productId: 0x0101,
      manufacturer: 'Antom',
      source: 'usb',
      known: true,
      accessible: true,
    });
    const ftdi = list.find((c) => c.path.endsWith('ttyUSB0'));
    expect(ftdi).toMatchObject({ vendorId: 0x0403, productId: 0x6001, serialNumber: 'A50285BI', known: true });
    const arduino = list.find((c) => c.path.endsWith('ttyACM1'));
    expect(arduino).toMatchObject({ vendorId: 0x2341, known: false, source: 'usb' });
    // the onboard UART and virtual consoles are not candidates
    expect(list.some((c) => c.path.endsWith('ttyS0') || c.path.endsWith('tty0'))).toBe(false);
    // a known terminal on the bus without a tty is reported with a fix
    const cradle = list.find((c) => c.serialNumber === 'AT-CR-00007');
    expect(cradle).toMatchObject({ path: 'usb:1:8', accessible: false, problem: { code: 'NO_TTY' } });
    expect(cradle?.problem?.fix).toMatch(/cdc_acm/);
    // known first
    expect(list.findIndex((c) => !c.known)).toBeGreaterThan(list.findIndex((c) => c.serialNumber === 'AT-PX-00042'));
  });

  it('works with sysfs alone (no usb module, no serialport) and can hide unknown ports', async () => {
    const m = materialise('linux-register.json');
    const list = await listTerminalCandidates({
      platform: 'linux',
      sysRoot: m.sysRoot,
      devRoot: m.devRoot,
      usb: null,
      serialportList: null,
      includeUnknown: false,
    });
    expect(list.map((c) => [path.basename(c.path), c.source])).toEqual([
      ['ttyACM0', 'sysfs'],
      ['ttyUSB0', 'sysfs'],
    ]);
    const only = await listTerminalCandidates({
      platform: 'linux',
      sysRoot: m.sysRoot,
      devRoot: m.devRoot,
      usb: null,
      serialportList: null,
      ids: [{ vendorId: 0x2341, productId: 0x0043 }],
      includeUnknown: false,
    });
    expect(only.map((c) => path.basename(c.path))).toEqual(['ttyACM1']);
  });

  it('spells out a permission problem (EACCES, not in dialout) with a fix', async () => {
    const m = materialise('linux-register.json');
    writeFileSync(m.groupFile, 'root:x:1:\ndialout:x:0:\n');
    const list = await listTerminalCandidates({
      platform: 'linux',
      sysRoot: m.sysRoot,
      devRoot: m.devRoot,
      groupFile: m.groupFile,
      usb: null,
      serialportList: null,
      access: async () => {
        throw Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' });
      },
    });
    const c = list[0]!;
    expect(c.accessible).toBe(false);
    expect(c.problem?.code).toBe('EACCES');
    expect(c.problem?.message).toMatch(/dialout/);
    expect(c.problem?.fix).toMatch(/usermod -aG dialout/);
    expect(describePortError(Object.assign(new Error('x'), { code: 'EACCES' }), '/dev/ttyACM0', 'linux').fix).toMatch(/uucp/);
  });

  it('falls back to serialport listing off Linux', async () => {
    const list = await listTerminalCandidates({
      platform: 'win32',
      usb: null,
      serialportList: async () => [{ path: 'COM3', vendorId: '2CA3', productId: '0101', serialNumber: 'AT-PX-00042', manufacturer: 'Antom' }, { path: 'COM1' }],
    });
    expect(list[0]).toMatchObject({ path: 'COM3', known: true, source: 'serialport', accessible: true });
    expect(list[1]).toMatchObject({ path: 'COM1', known: false });
  });

  it('hotplug watcher reports attach/detach of table devices only', () => {
    const backend = createRecordedUsbBackend([]);
    const events: string[] = [];
    const w = watchTerminalHotplug({ usb: backend, onAttach: (d) => events.push(`+${d.serialNumber}`), onDetach: (d) => events.push(`-${d.serialNumber}`) });
    backend.attach({ vendorId: 0x2ca3, productId: 0x0101, serialNumber: 'AT-PX-00042' });
    backend.attach({ vendorId: 0x046d, productId: 0xc31c, serialNumber: 'KB' });
    backend.detach({ vendorId: 0x2ca3, productId: 0x0101, serialNumber: 'AT-PX-00042' });
    w.stop();
    backend.attach({ vendorId: 0x2ca3, productId: 0x0101, serialNumber: 'AT-PX-00043' });
    expect(events).toEqual(['+AT-PX-00042', '-AT-PX-00042']);
  });

  it('parses configured ids', () => {
    expect(parseUsbId('2ca3:0101')).toEqual({ vendorId: 0x2ca3, productId: 0x0101 });
    expect(parseUsbId('0x0403:0x6001')).toEqual({ vendorId: 0x0403, productId: 0x6001 });
    expect(parseUsbId('nope')).toBeNull();
    expect(DEFAULT_TERMINAL_USB_IDS.length).toBeGreaterThan(0);
  });
});
