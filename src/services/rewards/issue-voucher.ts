import type { MemberSnapshot } from '../../events/context.ts';
import { periodStart } from '../../domain/calendar.ts';
import { generateCardId } from '../../domain/members/card-id.ts';
import { uuidv7 } from '../../domain/ids.ts';
import { Problem, invalidInput } from '../../domain/problem.ts';
import {
  attributionRefusals, availabilityRefusal, conversionValue, limitRefusal, targetingRefusal, voucherDates,
  type AttributionRefusalKind,
} from '../../domain/rewards/issuing.ts';
import { defaultCodePattern, type Reward } from '../../domain/rewards/reward.ts';
import type { Voucher, VoucherSource } from '../../domain/rewards/voucher.ts';
import type { Queryable } from '../../storage/db.ts';
import * as codes from '../../storage/rewards/codes.ts';
import { addIssued, findReward } from '../../storage/rewards/rewards.ts';
import { insertVoucher, memberHoldings } from '../../storage/rewards/vouchers.ts';
import type { ProgramScope } from '../emit-context.ts';
import { openBalance, type LedgerScope } from '../ledger/ledger-scope.ts';
import { LedgerRefusal, createInScope } from '../ledger/transactions.ts';
import { holderOf, type Holder } from './holder.ts';
import { memberTierIds } from './member-tiers.ts';
import { emitAttributionFailed, emitIssued } from './voucher-events.ts';
import { reminderDaysBefore, scheduleVoucherMoments } from './voucher-moments.ts';
import { voucherView, type VoucherView } from './views.ts';

export interface IssueVoucherInput {
  rewardId: string;
  memberId: string;
  source: VoucherSource;
  sourceEventId?: string | null;
  campaignId?: string | null;
  /** Units a member converts when buying a units-conversion coupon. */
  units?: number;
}

export type IssueVoucherResult =
  | { ok: true; voucher: VoucherView; holder: MemberSnapshot }
  | { ok: false; reason: string; problem: Problem };

/** An attribution refused: the problem the API answers, carrying the reason of voucher_attribution_failed. */
export function attributionProblem(kind: AttributionRefusalKind): Problem {
  const r = attributionRefusals[kind];
  return new Problem(r.status, r.code, 'Reward not issued', r.reason);
}

type Attempt =
  | { ok: true; voucher: Voucher; reward: Reward }
  | { ok: false; problem: Problem }
  /** The reward's price changed between the unlocked read and the lock: start again with it as it is now. */
  | { ok: 'again'; reward: Reward };
const refused = (kind: AttributionRefusalKind): Attempt => ({ ok: false, problem: attributionProblem(kind) });

/** A code for the voucher: the oldest free one of the pool, or a fresh one from the pattern. */
async function claimCode(tx: Queryable, scope: ProgramScope, reward: Reward, voucherId: string): Promise<string | null> {
  if (reward.codeSource === 'pool') return codes.claimPoolCode(tx, reward.id, voucherId);
  for (let tries = 0; tries < 20; tries++) {
    const code = generateCardId(reward.codePattern ?? defaultCodePattern);
    if (await codes.takeGeneratedCode(tx, scope.program.id, reward.id, code, voucherId, scope.now)) return code;
  }
  return null; // the pattern is (nearly) exhausted: as good as out of codes
}

async function attempt(tx: Queryable, scope: ProgramScope, input: IssueVoucherInput, holder: Holder, known: Reward): Promise<Attempt> {
  const programId = scope.program.id;
  const buying = input.source === 'purchase';
  const costOf = (r: Reward) => (!buying ? 0 : r.type === 'conversion_coupon' ? input.units! : r.cost);
  const payer = (r: Reward) => openBalance(tx, scope, { memberId: holder.member.id, balanceDefinitionId: r.balanceDefinitionId! });
  // Locks in the order every issuer takes them: the member's balance, the reward, then the
  // program's event sequence (taken by the first event).
  const paying: LedgerScope | null = costOf(known) > 0 ? await payer(known) : null;
  const reward = (await findReward(tx, programId, known.id, true))!;
  const cost = costOf(reward);
  // Locking the balance it is now paid from after the reward would invert the order (a deadlock
  // with a concurrent purchase): the caller rolls back, releasing both, and starts again.
  if (cost > 0 && paying?.definition.id !== reward.balanceDefinitionId) return { ok: 'again', reward };
  const ls = cost > 0 ? paying : null;

  if (holder.member.status !== 'active') return refused('memberInactive');
  if (reward.type === 'conversion_coupon' && !buying) return refused('conversionOnlyBought');
  const unavailable = availabilityRefusal(reward, scope.now);
  if (unavailable) return refused(unavailable);
  const untargeted = targetingRefusal(reward.targeting, holder.member,
    reward.targeting.kind === 'tiers' ? await memberTierIds(tx, programId, holder.member.id) : []);
  if (untargeted) return refused(untargeted);
  const since = reward.periodLimit ? periodStart(reward.periodLimit.period, scope.now, scope.program.timezone) : null;
  const overLimit = limitRefusal(reward, await memberHoldings(tx, reward.id, holder.member.id, since));
  if (overLimit) return refused(overLimit);
  const { validFrom, expiresAt } = voucherDates(reward, scope.now, scope.program.timezone);
  if (expiresAt && expiresAt <= validFrom) return refused('alreadyExpired');

  const id = uuidv7(scope.now);
  const code = await claimCode(tx, scope, reward, id);
  if (code === null) return refused('outOfCodes');

  let ledgerTransactionId: string | null = null;
  if (ls) {
    const debit = await createInScope(tx, ls, {
      kind: 'debit', amount: cost, reason: 'spend', autoComplete: true, sourceEventId: id, comment: `reward ${reward.name}`,
    });
    if (debit instanceof LedgerRefusal) return { ok: false, problem: debit };
    ledgerTransactionId = debit.id;
  }
  const voucher: Voucher = {
    id, programId, rewardId: reward.id, memberId: holder.member.id, code,
    status: validFrom > scope.now ? 'pending' : 'active',
    source: input.source,
    // A purchase is caused by its ledger debit; a grant by what the caller names.
    sourceEventId: ledgerTransactionId ?? input.sourceEventId ?? null,
    campaignId: input.campaignId ?? null,
    cost,
    balanceDefinitionId: cost > 0 ? reward.balanceDefinitionId : null,
    ledgerTransactionId,
    value: reward.type === 'static_coupon' ? reward.couponValue
      : reward.type === 'conversion_coupon' && buying ? conversionValue(reward, cost) : null,
    validFrom, expiresAt, reminderDaysBefore: reminderDaysBefore(scope, expiresAt),
    redemptionStatus: null, redemptionValue: null, redemptionStartedAt: null, redeemedAt: null, comment: null,
    createdAt: scope.now, updatedAt: scope.now,
  };
  await insertVoucher(tx, voucher);
  await addIssued(tx, reward.id, 1);
  await scheduleVoucherMoments(tx, scope, voucher);
  await emitIssued(tx, scope.emit, holder.snapshot, reward, voucher, ls?.definition ?? null);
  return { ok: true, voucher, reward };
}

/**
 * Issues a reward to a member as a voucher, inside the caller's transaction: bought from the
 * catalog (its cost debited from the member's balance through the ledger, in this transaction),
 * assigned by an admin, or granted by a campaign or a tier (free). Fires CustomerBoughtReward and
 * voucher_created.
 *
 * When it cannot be issued (inactive, outside its window, not targeted, a limit reached, out of
 * codes, not enough units, no subscription to pay from), everything the attempt did is rolled
 * back to a savepoint — no unit is taken and no code or limit is used — voucher_attribution_failed
 * is emitted with the reason, and the result says why; the caller decides whether to answer a 4xx
 * (after committing the event) or to go on. An unknown reward or member, or a malformed `units`,
 * is the caller's error and throws.
 */
export async function issueVoucherInTransaction(tx: Queryable, scope: ProgramScope, input: IssueVoucherInput): Promise<IssueVoucherResult> {
  const programId = scope.program.id;
  const reward = await findReward(tx, programId, input.rewardId);
  if (!reward) throw new Problem(404, 'not-found', 'Not found', `reward ${input.rewardId} does not exist`);
  const holder = await holderOf(tx, programId, input.memberId);
  if (!holder) {
    throw new Problem(404, 'not-found', 'Not found', `member ${input.memberId} does not exist`,
      [{ field: '/memberId', message: 'is not a member of this program' }]);
  }
  if (input.source === 'purchase' && reward.type === 'conversion_coupon') {
    if (input.units === undefined) throw invalidInput('/units', 'is required to buy a units-conversion coupon: how many units to convert');
    const value = conversionValue(reward, input.units);
    if (value === null) {
      throw invalidInput('/units', `must be a positive multiple of ${reward.conversionUnits} (the reward's conversion step)`);
    }
    // Past 2^53 the product is no longer exact, and past 2^63 the column cannot hold it.
    if (!Number.isSafeInteger(value)) {
      throw invalidInput('/units', `converts to a coupon value above ${Number.MAX_SAFE_INTEGER} (the largest exact minor-unit amount)`);
    }
  } else if (input.units !== undefined) {
    throw invalidInput('/units', 'is only for buying a units-conversion coupon');
  }

  await tx.query('SAVEPOINT issue_voucher');
  let outcome: Attempt;
  let known = reward;
  for (;;) {
    try {
      outcome = await attempt(tx, scope, input, holder, known);
    } catch (error) {
      // The ledger refuses a member without an active subscription (nothing to pay from) by throwing.
      if (!(error instanceof Problem)) throw error;
      outcome = { ok: false, problem: error };
    }
    if (outcome.ok !== 'again') break;
    // Rolling back to the savepoint releases the locks taken since: the next attempt takes the
    // balance the reward is now paid from first, then the reward. Each round follows a committed
    // change of the reward's price, so this ends.
    await tx.query('ROLLBACK TO SAVEPOINT issue_voucher');
    known = outcome.reward;
  }
  if (outcome.ok) {
    await tx.query('RELEASE SAVEPOINT issue_voucher');
    return { ok: true, voucher: voucherView(outcome.voucher, outcome.reward), holder: holder.snapshot };
  }
  await tx.query('ROLLBACK TO SAVEPOINT issue_voucher');
  await tx.query('RELEASE SAVEPOINT issue_voucher');
  const reason = outcome.problem.message;
  await emitAttributionFailed(tx, scope.emit, holder.snapshot, reward.id, reason);
  return { ok: false, reason, problem: outcome.problem };
}
