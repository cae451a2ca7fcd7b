/**
 * Structured logging with pino. Secrets are redacted by path as a second line
 * of defence; the first is that code never passes key material or PINs to a
 * logger at all.
 */
import path from 'node:path';
import fs from 'node:fs';
import pino from 'pino';
import { FileLogStream } from './file-stream';

export type Logger = pino.Logger;

const REDACT_PATHS = [
  'pin',
  '*.pin',
  'newPin',
  '*.newPin',
  'oneTimePin',
  '*.oneTimePin',
  'privateKey',
  '*.privateKey',
  'merchantPrivateKeyPem',
  '*.merchantPrivateKeyPem',
  'antomPublicKeyPem',
  '*.antomPublicKeyPem',
  'pairingKey',
  '*.pairingKey',
  'headers.signature',
  'token',
  '*.token',
];

export function createLogger(opts: { dataDir?: string; level?: string; toStderr?: boolean } = {}): Logger {
  const level = opts.level ?? process.env.REFUND_TERMINAL_LOG_LEVEL ?? 'info';
  const streams: pino.StreamEntry[] = [];
  if (opts.dataDir) {
    const logDir = path.join(opts.dataDir, 'logs');
    fs.mkdirSync(logDir, { recursive: true, mode: 0o700 });
    // Not pino.destination: see file-stream.ts (a full disk must neither hang the exit nor crash the process).
    const dest = new FileLogStream(path.join(logDir, 'refund-terminal.log'));
    streams.push({ level: level as pino.Level, stream: dest });
  }
  if (opts.toStderr) streams.push({ level: 'warn', stream: process.stderr });
  return pino({ level, redact: { paths: REDACT_PATHS, censor: '[redacted]' }, base: { app: 'refund-terminal' } }, pino.multistream(streams));
}

/** A logger that drops everything: for unit tests and one-shot CLI commands. */
export function createSilentLogger(): Logger {
  return pino({ level: 'silent' });
}
