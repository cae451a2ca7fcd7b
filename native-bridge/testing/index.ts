/**
 * native-bridge/testing: the stand-ins for a real terminal and a real cable,
 * kept out of the product entry point (native-bridge/index.ts). Used by the
 * demo mode, the `sim terminal` command, the tests and the bench; nothing on
 * the refund path imports them (the layering rule in eslint.config.mjs says so).
 */
export { VirtualTerminal } from '../sim/virtual-terminal';
export type { VirtualTerminalOptions } from '../sim/virtual-terminal';
export { FaultSwitchesSchema } from '../sim/faults';
export type { FaultSwitches, FaultSwitchesInput } from '../sim/faults';
export { startVirtualTerminalOnPort } from '../sim/start-on-port';
export type { RunningVirtualTerminal } from '../sim/start-on-port';

export { createMemoryTransportPair } from '../transport/memory';
export type { MemoryTransport } from '../transport/memory';
export { createPtyPair, socatAvailable } from '../transport/pty';
export type { PtyPair, PtyPairOptions } from '../transport/pty';
export { withByteCorruption } from '../transport/faulty';
export { createRecordedUsbBackend } from '../discovery/usb-backend';

export { recordMessages, ReplayTerminal, ReplayMismatchError, CaptureSchema, MAX_CAPTURE_MESSAGES } from './record-replay';
export type { Capture, RecordedMessage, MessageRecorder, Direction } from './record-replay';
