import type { ServiceContext } from '../services/context.ts';
import { ledgerJobs } from '../services/ledger/apply.ts';
import { activateLotsHandler, expireLotsHandler, pendingTimeoutHandler, remindLotsHandler } from '../services/ledger/ledger-jobs.ts';
import { activateVouchersHandler, expireVouchersHandler, redemptionTimeoutHandler, remindVouchersHandler } from '../services/rewards/voucher-jobs.ts';
import { voucherJobs } from '../services/rewards/voucher-moments.ts';
import { jobKinds as subscriptionJobs } from '../services/subscriptions/enrol.ts';
import { anniversaryReminderHandler, monthAnniversaryHandler } from '../services/subscriptions/anniversaries.ts';
import { tierJobs } from '../services/tiers/change.ts';
import { recalculateProgramHandler } from '../services/tiers/program-recalculation.ts';
import { tierMomentsHandler } from '../services/tiers/tier-jobs.ts';
import type { Scheduler } from './scheduler.ts';

/** Every kind of due work the product knows, wired to the service that does it. */
export function registerJobHandlers(scheduler: Scheduler, ctx: ServiceContext): void {
  scheduler.register(subscriptionJobs.monthAnniversary, monthAnniversaryHandler(ctx));
  scheduler.register(subscriptionJobs.anniversaryReminder, anniversaryReminderHandler(ctx));
  scheduler.register(ledgerJobs.expireLots, expireLotsHandler(ctx));
  scheduler.register(ledgerJobs.activateLots, activateLotsHandler(ctx));
  scheduler.register(ledgerJobs.remindLots, remindLotsHandler(ctx));
  scheduler.register(ledgerJobs.pendingTimeout, pendingTimeoutHandler(ctx));
  scheduler.register(voucherJobs.activate, activateVouchersHandler(ctx));
  scheduler.register(voucherJobs.expire, expireVouchersHandler(ctx));
  scheduler.register(voucherJobs.remind, remindVouchersHandler(ctx));
  scheduler.register(voucherJobs.redemptionTimeout, redemptionTimeoutHandler(ctx));
  scheduler.register(tierJobs.due, tierMomentsHandler(ctx));
  scheduler.register(tierJobs.recalculateProgram, recalculateProgramHandler(ctx));
}
