/**
 * Manager decisions: approving or declining a refund that waits for one (PIN,
 * role, the self-approval rule, one compare-and-set with its approval record),
 * and editing the approval policy.
 */
import { z } from 'zod';
import { RefundRequestId, type RefundView } from '../../preload/contract/refunds';
import { err, ok, type Result } from '../../preload/contract/result';
import type { Policy } from '../ledger/policy';
import type { EngineCore, ManagerDecisionInput, RefundErrorCode } from './engine-core';
import type { Driver } from './driver';
import { MSG } from './messages';

const DecisionSchema = z.object({
  refundRequestId: RefundRequestId,
  manager: z.string().trim().min(1).max(40),
  pin: z.string().max(64),
  reason: z.string().trim().min(1).max(256),
});

export class ManagerDecisions {
  constructor(
    private readonly c: EngineCore,
    private readonly driver: Driver,
  ) {}

  async decide(input: ManagerDecisionInput, decision: 'APPROVED' | 'DECLINED'): Promise<Result<RefundView, RefundErrorCode>> {
    const parsed = DecisionSchema.safeParse(input);
    if (!parsed.success) return err('INVALID_INPUT', 'A refund, a manager, a PIN and a reason are needed.');
    const { refundRequestId, manager, pin, reason } = parsed.data;
    const row = await this.c.journal.get(refundRequestId);
    if (row === null) return err('NOT_FOUND', 'No such refund.');
    if (row.state !== 'AWAITING_APPROVAL') return this.alreadyDecided(refundRequestId, row.state);
    const who = await this.c.store.people.verifyPin(manager, pin);
    if (!who.ok) {
      if (who.error.code === 'USER_LOCKED') return err('USER_LOCKED', who.error.message);
      return err('PIN_INVALID', who.error.message);
    }
    if (who.value.role !== 'manager') return err('NOT_A_MANAGER', 'Only a manager can approve or decline refunds.');
    // A CLI refund without --cashier is booked to `cli:<OS user>`: the same person as that user name.
    const asker = row.cashier.startsWith('cli:') ? row.cashier.slice(4) : row.cashier;
    const selfDecision = who.value.name === asker;
    if (selfDecision && decision === 'APPROVED' && !(await this.c.store.settings.getPolicy()).allowSelfApproval) {
      return err('SELF_APPROVAL', 'Another manager must approve this refund: the person who asked for it cannot approve it too.');
    }

    // One commit on either engine: the compare-and-set, the approval record and (self-approval) its own audit line.
    const moved = await this.c.journal.decide(refundRequestId, {
      decision,
      manager: who.value.name,
      reason,
      patch: decision === 'APPROVED' ? { message: MSG.approved, nextAction: 'WAIT' } : { message: MSG.declined(reason), nextAction: 'NONE' },
      selfApproved: selfDecision && decision === 'APPROVED',
    });
    // Another manager's decision (at any counter) won the compare-and-set: say whose, so nobody decides twice.
    if (!moved.ok) return this.alreadyDecided(refundRequestId, String(moved.error.details?.['state'] ?? ''));
    this.c.journaled(moved.value);
    if (decision === 'DECLINED') return ok(await this.c.view(moved.value));
    // Another register's refund is driven by that counter (its terminal; decision-follower.ts hears this
    // commit). Driving it here would only take its lease for a moment and hold that counter's drive off.
    const mine = this.c.journal.register;
    if (mine !== undefined && moved.value.register !== undefined && moved.value.register !== mine) return ok(await this.c.view(moved.value));
    return ok(await this.c.view(await this.driver.drive(refundRequestId, false)));
  }

  /** The refund is past its approval: who decided it, how (`details`: state, decision, decidedBy, decidedAt). */
  private async alreadyDecided(refundRequestId: string, state: string): Promise<Result<never, RefundErrorCode>> {
    const d = (await this.c.store.approvals.decisions(refundRequestId)).at(-1);
    if (d === undefined) return err('NOT_AWAITING_APPROVAL', 'This refund is not waiting for approval.', { state });
    const how = d.decision === 'APPROVED' ? 'approved' : 'declined';
    return err('NOT_AWAITING_APPROVAL', `This refund is no longer waiting for approval: ${d.manager} already ${how} it.`, {
      state,
      decision: d.decision,
      decidedBy: d.manager,
      decidedAt: d.at,
    });
  }

  /** The approval policy, and editing it (a manager, with their PIN). */
  getPolicy(): Promise<Policy> {
    return this.c.store.settings.getPolicy();
  }

  async setPolicy(input: {
    manager: string;
    pin: string;
    policy: unknown;
  }): Promise<Result<Policy, 'INVALID_INPUT' | 'PIN_INVALID' | 'USER_LOCKED' | 'NOT_A_MANAGER'>> {
    const who = await this.c.store.people.verifyPin(input.manager, input.pin);
    if (!who.ok) return who.error.code === 'USER_LOCKED' ? err('USER_LOCKED', who.error.message) : err('PIN_INVALID', who.error.message);
    if (who.value.role !== 'manager') return err('NOT_A_MANAGER', 'Only a manager can change the approval policy.');
    return this.c.store.settings.setPolicy(input.policy, who.value.name);
  }
}
