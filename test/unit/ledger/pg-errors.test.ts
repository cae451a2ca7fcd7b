/** Which store-ledger errors are "the store cannot be used right now" (a plain sentence at the counter), and which are faults. */
import { describe, expect, it } from 'vitest';
import { isStoreUnreachable } from '../../../main/ledger/pg/pg-errors';

const pgError = (code: string, message = 'x'): Error => Object.assign(new Error(message), { code });

describe('isStoreUnreachable', () => {
  it.each([
    ['53300', 'too many connections for role "rt"'],
    ['53400', 'configuration limit exceeded'],
    ['53100', 'could not extend file: No space left on device'],
    ['53200', 'out of memory'],
    ['28P01', 'password authentication failed for user "rt"'],
    ['28000', 'role "rt" is not permitted to log in'],
    ['3D000', 'database "store" does not exist'],
    ['57014', 'canceling statement due to statement timeout'],
    ['57P01', 'terminating connection due to administrator command'],
    ['08006', 'connection failure'],
    ['ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:5432'],
  ])('%s (%s): the store is unavailable', (code, message) => {
    expect(isStoreUnreachable(pgError(code, message))).toBe(true);
  });

  it.each([
    ['23505', 'duplicate key value violates unique constraint'],
    ['42P01', 'relation "refunds" does not exist'],
    ['42501', 'permission denied for table refunds'],
    ['22P02', 'invalid input syntax'],
    ['40001', 'could not serialize access'],
  ])('%s (%s): a fault, not an outage', (code, message) => {
    expect(isStoreUnreachable(pgError(code, message))).toBe(false);
  });
});
