/**
 * Lease-owner liveness (issue #12 item 2): a zombie or a reused pid is dead,
 * so a crashed app's refund is taken over at once instead of being reported
 * "busy elsewhere" until someone runs `recover` by hand.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { hostname } from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { leaseOwnerAlive, leaseOwnerJudgedHere, linuxProbe, newLeaseOwner } from '../../../main/refunds/lease-owner';
import { rig, type Rig } from './engine-helpers';
import { newRefund } from '../ledger/helpers';

const linux = process.platform === 'linux';
const children: ChildProcess[] = [];
const rigs: Rig[] = [];
afterEach(() => {
  for (const c of children.splice(0)) c.kill('SIGKILL');
  rigs.splice(0).forEach((r) => r.cleanup());
});

/**
 * A real zombie: `sh` starts `sleep 0` in the background and then becomes
 * `sleep 30`, which never waits for it, so the exited `sleep 0` stays a zombie
 * (kill(pid, 0) still succeeds on it) until `sleep 30` is killed.
 */
async function zombie(): Promise<number> {
  const c = spawn('sh', ['-c', 'sleep 0 & echo $!; exec sleep 30'], { stdio: ['ignore', 'pipe', 'ignore'] });
  children.push(c);
  const pid = await new Promise<number>((resolve, reject) => {
    c.stdout?.once('data', (d: Buffer) => resolve(Number(String(d).trim())));
    c.once('error', reject);
  });
  for (let i = 0; i < 100 && !linuxProbe.isZombie(pid); i += 1) await new Promise((r) => setTimeout(r, 20));
  return pid;
}

function liveChild(): ChildProcess {
  const c = spawn('sleep', ['30'], { stdio: 'ignore' });
  children.push(c);
  return c;
}

describe.skipIf(!linux)('leaseOwnerAlive on Linux', () => {
  it('a zombie owner is dead, although kill(pid, 0) still says it exists', async () => {
    const pid = await zombie();
    expect(linuxProbe.isZombie(pid)).toBe(true);
    expect(() => process.kill(pid, 0)).not.toThrow(); // what the old check relied on
    const token = linuxProbe.startToken(pid);
    expect(token).not.toBeNull();
    expect(leaseOwnerAlive(`${hostname()}:${pid}:${token}:abcdef12`)).toBe(false);
    // also in the old owner format (no start token), as written by an older version
    expect(leaseOwnerAlive(`${hostname()}:${pid}:abcdef12`)).toBe(false);
  });

  it('a reused pid (same pid, another start time) is dead; the real owner is alive', async () => {
    const c = liveChild();
    const pid = c.pid ?? 0;
    await new Promise((r) => setTimeout(r, 50));
    const token = linuxProbe.startToken(pid);
    expect(token).toMatch(/^\d+(\.[0-9a-f]{8}(\.\d+)?)?$/);
    expect(leaseOwnerAlive(`${hostname()}:${pid}:${token}:abcdef12`)).toBe(true);
    const other = token === null ? '1' : `${Number(token.split('.')[0]) + 1}${token.includes('.') ? `.${token.split('.')[1]}` : ''}`;
    expect(leaseOwnerAlive(`${hostname()}:${pid}:${other}:abcdef12`)).toBe(false);
    // same start ticks, other boot: a pid handed out again after a reboot
    expect(leaseOwnerAlive(`${hostname()}:${pid}:${token?.split('.')[0]}.00000000:abcdef12`)).toBe(false);
  });

  it('our own pid under a previous start time is a previous incarnation (container restarts reuse pids)', () => {
    const mine = newLeaseOwner();
    expect(mine.startsWith(`${hostname()}:${process.pid}:`)).toBe(true);
    expect(leaseOwnerAlive(mine)).toBe(true);
    const [start] = (linuxProbe.startToken(process.pid) ?? '0').split('.');
    expect(leaseOwnerAlive(`${hostname()}:${process.pid}:${Number(start) - 1}:abcdef12`)).toBe(false);
  });

  it('a shared journal judges only owners of this boot and pid namespace (same hostname is not the same PC)', () => {
    const mine = linuxProbe.startToken(process.pid) ?? '';
    const [, boot, ns] = mine.split('.');
    expect(leaseOwnerJudgedHere(newLeaseOwner())).toBe(true);
    expect(leaseOwnerJudgedHere(`${hostname()}:4194000:123456.${boot}:abcd1234`)).toBe(true); // token without a pid namespace
    expect(leaseOwnerJudgedHere(`${hostname()}:4194000:123456.deadbeef:abcd1234`)).toBe(boot === 'deadbeef');
    expect(leaseOwnerJudgedHere(`${hostname()}:4194000:123456.${boot}.${Number(ns ?? '0') + 1}:abcd1234`)).toBe(ns === undefined);
    expect(leaseOwnerJudgedHere(`${hostname()}:4194000:-:abcd1234`)).toBe(false);
    expect(leaseOwnerJudgedHere(`${hostname()}:4194000:abcd1234`)).toBe(false);
    expect(leaseOwnerJudgedHere('elsewhere:1:123.deadbeef:abcdef12')).toBe(false);
    // a pre-pid-namespace token of this very process still names this process
    expect(leaseOwnerAlive(`${hostname()}:${process.pid}:${mine.split('.').slice(0, 2).join('.')}:abcdef12`)).toBe(true);
  });

  it('a vanished pid is dead; another host, or an unknown shape, is trusted', () => {
    expect(leaseOwnerAlive(`${hostname()}:2147483646:123:abcdef12`)).toBe(false);
    expect(leaseOwnerAlive('elsewhere:1:123:abcdef12')).toBe(true);
    expect(leaseOwnerAlive('someone-else')).toBe(true);
  });

  it('recover() takes over a SUBMITTING refund whose lease a zombie holds (was: busyElsewhere for ever)', async () => {
    const r = rig();
    rigs.push(r);
    await r.engine.lookupPayment('PAY1');
    const ins = r.ledger.refunds.insert(
      newRefund({ refundRequestId: 'RZ1', intentId: 'intent-RZ1', paymentId: 'PAY1', mode: 'FULL', amount: { value: 5_000, currency: 'SGD' } }),
      'alice',
    );
    expect(ins.ok).toBe(true);
    for (const [from, to] of [
      ['APPROVED', 'REFERENCE_REQUESTED'],
      ['REFERENCE_REQUESTED', 'REFERENCE_OBTAINED'],
      ['REFERENCE_OBTAINED', 'SUBMITTING'],
    ] as const) {
      expect(
        r.ledger.refunds.transition('RZ1', from, to, { actor: 'system', patch: to === 'REFERENCE_OBTAINED' ? { originalMerchantRefundId: 'OMR-RZ1' } : {} }).ok,
      ).toBe(true);
    }
    const pid = await zombie();
    const owner = `${hostname()}:${pid}:${linuxProbe.startToken(pid)}:abcdef12`;
    expect(r.ledger.refunds.claimLease('RZ1', owner, 5 * 60_000, () => true)).toBe(true);
    r.antom.accepted.set('RZ1', {
      status: 'SUCCESS',
      resultCode: 'SUCCESS',
      resultMessage: 'ok',
      cashierMessage: 'ok',
      nextAction: 'NONE',
      retrySameRequestId: false,
      refundId: 'AR-Z',
    });
    const s = await r.engine.recover();
    expect(s).toMatchObject({ busyElsewhere: 0, final: 1 });
    expect(r.ledger.refunds.get('RZ1')).toMatchObject({ state: 'SUCCEEDED', lease_owner: null });
    expect(r.antom.refundCalls).toHaveLength(0); // found by inquiry, not sent again
  });
});
