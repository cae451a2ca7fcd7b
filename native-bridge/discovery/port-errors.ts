/** Turns OS errors from opening a serial device into something a technician can fix. */
export interface PortProblem {
  readonly code: 'EACCES' | 'ENOENT' | 'EBUSY' | 'OTHER';
  readonly message: string;
  readonly fix: string;
}

function permissionFix(path: string, platform: NodeJS.Platform): string {
  if (platform === 'linux') {
    return `Add this user to the group owning ${path} (usually "dialout"; "uucp" on Arch): sudo usermod -aG dialout $USER, then log out and in. Or install resources/udev/99-antom-terminal.rules to /etc/udev/rules.d/ and run: sudo udevadm control --reload-rules && sudo udevadm trigger`;
  }
  if (platform === 'darwin') return `Check that no other app holds ${path} and that this user may open it.`;
  return `Close any other program using ${path} (terminal vendor tools, serial monitors) and try again.`;
}

export function describePortError(e: unknown, path: string, platform: NodeJS.Platform = process.platform): PortProblem {
  const msg = e instanceof Error ? e.message : String(e);
  const code = (e as { code?: unknown } | null)?.code;
  if (code === 'EACCES' || /EACCES|Permission denied/i.test(msg)) {
    return { code: 'EACCES', message: `Permission denied opening ${path}.`, fix: permissionFix(path, platform) };
  }
  if (code === 'ENOENT' || /ENOENT|No such file|cannot find/i.test(msg)) {
    return {
      code: 'ENOENT',
      message: `${path} does not exist (terminal unplugged or wrong port).`,
      fix: 'Plug the terminal in, then run `refund-terminal devices` to see the detected ports.',
    };
  }
  if (code === 'EBUSY' || /EBUSY|busy|Cannot lock/i.test(msg)) {
    return {
      code: 'EBUSY',
      message: `${path} is in use by another program.`,
      fix: 'Close other programs using the port (another copy of this app, a serial monitor, ModemManager) and try again.',
    };
  }
  return { code: 'OTHER', message: `Could not open ${path}: ${msg}`, fix: 'Re-plug the terminal and try again; run `refund-terminal devices` for details.' };
}
