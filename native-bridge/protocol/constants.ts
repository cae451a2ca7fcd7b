/** TLP/1 wire constants (spec section 2 and 3). Kept in one place so the codec, link and tests agree. */
export const STX = 0x02;
export const ETX = 0x03;
export const ACK = 0x06;
export const NAK = 0x15;
export const PROTOCOL_VERSION = 0x01;
export const MAX_PAYLOAD = 4096;
/** STX VER SEQ LEN(2) ... ETX CRC(2) */
export const FRAME_OVERHEAD = 8;
export const ACK_TIMEOUT_MS = 300;
export const MAX_RETRANSMISSIONS = 3;
export const INTER_BYTE_TIMEOUT_MS = 200;
export const DEFAULT_REQUEST_TIMEOUT_MS = 5000;
