/** Runs a VirtualTerminal on a serial device or pty path through the real serialport bindings. */
import { SerialPortTransport } from '../transport/serial';
import { VirtualTerminal, VirtualTerminalOptions } from './virtual-terminal';

export interface RunningVirtualTerminal {
  readonly terminal: VirtualTerminal;
  readonly transport: SerialPortTransport;
  stop(): Promise<void>;
}

export async function startVirtualTerminalOnPort(
  path: string,
  opts: VirtualTerminalOptions & { terminal?: VirtualTerminal } = {},
): Promise<RunningVirtualTerminal> {
  const transport = await SerialPortTransport.open(path);
  const terminal = opts.terminal ?? new VirtualTerminal(opts);
  terminal.attach(transport);
  return {
    terminal,
    transport,
    async stop() {
      await terminal.detach();
      await transport.close();
    },
  };
}
