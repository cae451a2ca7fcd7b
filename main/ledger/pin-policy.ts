/**
 * Which PINs are acceptable for which role. A PIN guards money: managers
 * approve refunds and technicians hold the Antom keys, so they need at least
 * six digits; a cashier's length is the shop's choice (default four). Every
 * role is refused PINs an attacker tries first: one digit repeated, a run up
 * or down the keypad digits, a short block repeated (1212, 123123), and the
 * commonest PINs from published PIN-frequency studies.
 */
import type { Role } from '../../preload/contract/views';

export interface PinPolicy {
  /** Minimum digits for a cashier's PIN (4..8). Managers and technicians need at least 6. */
  readonly cashierMinLength: number;
}

export const DEFAULT_PIN_POLICY: PinPolicy = { cashierMinLength: 4 };
export const PRIVILEGED_MIN_LENGTH = 6;
export const PIN_MAX_LENGTH = 8;

// The most frequent 4- and 6-digit PINs that the structural rules below do not already catch
// (years, keypad shapes, well-known numbers).
const COMMON = new Set([
  '1004',
  '2000',
  '2001',
  '1122',
  '1313',
  '2580',
  '0852',
  '1998',
  '1999',
  '2468',
  '1357',
  '6969',
  '1369',
  '1397',
  '0007',
  '1010',
  '2020',
  '4711',
  '0911',
  '1100',
  '1230',
  '8520',
  '7410',
  '0258',
  '5683',
  '1793',
  '112233',
  '121212',
  '123321',
  '654321',
  '111222',
  '159753',
  '147258',
  '258369',
  '789456',
  '456789',
  '159357',
  '753951',
  '123654',
  '147852',
  '987654',
  '102030',
  '696969',
  '112358',
  '142536',
  '100200',
  '246810',
  '135790',
  '000007',
  '520520',
  '131313',
  '123123',
  '7777777',
  '12344321',
  '11223344',
  '88888888',
  '87654321',
  '12121212',
]);

function isRun(pin: string): boolean {
  // Every step +1 or every step -1 (mod 10 allows 8901, 7890...).
  let up = true;
  let down = true;
  for (let i = 1; i < pin.length; i++) {
    const d = (Number(pin[i]) - Number(pin[i - 1]) + 10) % 10;
    if (d !== 1) up = false;
    if (d !== 9) down = false;
  }
  return up || down;
}

function isRepeatedBlock(pin: string): boolean {
  for (let len = 1; len <= pin.length / 2; len++) {
    if (pin.length % len !== 0) continue;
    if (pin.slice(0, len).repeat(pin.length / len) === pin) return true;
  }
  return false;
}

function fewDistinctDigits(pin: string): boolean {
  // 1112, 9990, 111122: at most two distinct digits with one used all but once, or two digits only in a 4-digit PIN.
  const counts = new Map<string, number>();
  for (const c of pin) counts.set(c, (counts.get(c) ?? 0) + 1);
  const max = Math.max(...counts.values());
  return counts.size === 1 || max >= pin.length - 1;
}

export function minPinLength(role: Role, policy: PinPolicy = DEFAULT_PIN_POLICY): number {
  return role === 'cashier' ? Math.min(Math.max(policy.cashierMinLength, 4), PIN_MAX_LENGTH) : PRIVILEGED_MIN_LENGTH;
}

/** null when the PIN is acceptable for `role`, else the sentence to show. */
export function pinProblem(pin: string, role: Role, policy: PinPolicy = DEFAULT_PIN_POLICY): string | null {
  const min = minPinLength(role, policy);
  if (!/^\d+$/.test(pin) || pin.length < min || pin.length > PIN_MAX_LENGTH) {
    return `A ${role}'s PIN must be ${min} to ${PIN_MAX_LENGTH} digits.`;
  }
  if (isRepeatedBlock(pin) || fewDistinctDigits(pin)) return 'That PIN repeats digits too much; choose one that is hard to guess.';
  if (isRun(pin)) return 'That PIN is a run of digits (like 1234 or 9876); choose one that is hard to guess.';
  if (COMMON.has(pin)) return 'That PIN is one of the most commonly used; choose one that is hard to guess.';
  return null;
}
