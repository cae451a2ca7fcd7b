/**
 * native-bridge: the Terminal Link Protocol (TLP/1), host side and virtual
 * terminal. Layers, bottom up: transport -> protocol (codec) -> link
 * (ACK/NAK) -> messages -> session -> host (TerminalLink).
 * The virtual terminal, in-memory/pty/faulty transports and the message
 * recorder/replayer are test doubles: they live in native-bridge/testing.
 */
export type { RefundReferenceRequest, RefundResultNotice, TerminalPort } from './host/terminal-port';
export { crc16 } from './protocol/crc16';
export { encodeFrame, encodeJsonFrame, encodeAck, encodeNak, FrameTooLargeError } from './protocol/frame';
export { FrameDecoder } from './protocol/decoder';
export type { DecoderEvent, FramingErrorReason } from './protocol/decoder';
export * as constants from './protocol/constants';

export { LinkLayer, LinkDownError } from './link/link';
export type { LinkOptions, AckDecision, LinkLogger } from './link/link';
export { createLinkStats } from './link/stats';
export type { LinkStats } from './link/stats';

export { MessageEndpoint, decodePayload } from './messages/endpoint';
export type { IncomingMessage } from './messages/endpoint';
export * as schemas from './messages/schemas';
export { TERMINAL_ERROR_MESSAGES } from './messages/errors';
export type { TerminalErrorCode } from './messages/errors';

export { terminalProof, hostProof, newNonce, newPairingKey } from './session/proofs';
export { createMemoryPairingStore, PairingSchema } from './session/pairing-store';
export type { Pairing, PairingStore } from './session/pairing-store';

export type { Transport } from './transport/transport';
export { SerialPortTransport } from './transport/serial';

export { TerminalLink } from './host/terminal-link';
export type { TerminalLinkOptions, TerminalLinkStats, Logger, LogLevel } from './host/terminal-link';
export { LinkStatusSchema, parseScan } from './host/status';
export type { LinkStatus, ScanEvent, TerminalEvent } from './host/status';

export { describePortError } from './discovery/port-errors';
export type { PortProblem } from './discovery/port-errors';
export { listTerminalCandidates } from './discovery/list';
export type { TerminalCandidate, CandidateProblem, CandidateSource, DiscoveryOptions, SerialPortListEntry } from './discovery/list';
export { watchTerminalHotplug } from './discovery/hotplug';
export type { HotplugWatcher, HotplugOptions } from './discovery/hotplug';
export { createNodeUsbBackend, UsbDeviceInfoSchema } from './discovery/usb-backend';
export type { UsbBackend, UsbDeviceInfo } from './discovery/usb-backend';
export { DEFAULT_TERMINAL_USB_IDS, UsbIdEntrySchema, parseUsbId, matchId } from './discovery/ids';
export type { UsbIdEntry } from './discovery/ids';
