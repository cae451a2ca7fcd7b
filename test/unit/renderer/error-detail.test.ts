/** #17: a server sentence shown under an error never carries a command or a file path to the counter. */
import { describe, expect, it } from 'vitest';
import { safeDetail } from '../../../renderer/src/components/ErrorNotice';

describe('safeDetail', () => {
  it('keeps a plain sentence', () => {
    expect(safeDetail('PIN must have 6 to 8 digits for a manager.')).toBe('PIN must have 6 to 8 digits for a manager.');
  });
  it('drops commands, paths, JSON and stacks', () => {
    for (const m of [
      'The terminal is not ready (down). Check the cable and pairing (refund-terminal doctor).',
      'Run `refund-terminal devices` for details.',
      'Permission denied opening /dev/ttyACM0.',
      'Could not open C:\\data\\ledger.sqlite',
      'sudo usermod -aG dialout "$USER"',
      '{"code":"X"}',
      'Error at foo (bar.js:1)',
    ])
      expect(safeDetail(m), m).toBe(null);
  });
});
