import { notFound } from '../../domain/problem.ts';
import type { Queryable } from '../../storage/db.ts';
import { listSubscriptionBalances } from '../../storage/ledger/balances.ts';
import { findBalanceDifferences } from '../../storage/ledger/check.ts';
import { listDefinitions } from '../../storage/ledger/definitions.ts';
import * as lots from '../../storage/ledger/lots.ts';
import * as transactions from '../../storage/ledger/transactions.ts';
import { toPage, type PageRequest } from '../../storage/pagination.ts';
import { findMemberSubscription } from '../../storage/subscriptions.ts';
import type { ServiceContext } from '../context.ts';
import { loadMember } from '../members/load-member.ts';
import { balanceView, lotView, transactionView } from './views.ts';

/** The balances of a member's subscription, one per definition that has ever been used. */
export async function memberBalances(ctx: ServiceContext, programId: string, memberId: string) {
  await loadMember(ctx.db, programId, memberId);
  const subscription = await findMemberSubscription(ctx.db, programId, memberId);
  if (!subscription) return { data: [] };
  const definitions = new Map((await listDefinitions(ctx.db, programId, { limit: 1000, after: null })).map((d) => [d.id, d]));
  const rows = await listSubscriptionBalances(ctx.db, subscription.id);
  return { data: rows.map((b) => balanceView(b, definitions.get(b.definitionId))) };
}

async function loadBalance(tx: Queryable, programId: string, balanceId: string) {
  const rows = await tx.query<{ id: string }>(`SELECT id FROM balances WHERE program_id = $1 AND id = $2`, [programId, balanceId]);
  if (rows.length === 0) throw notFound('balance', balanceId);
}

export async function getBalance(ctx: ServiceContext, programId: string, balanceId: string) {
  const rows = await ctx.db.query<{ subscriptionId: string }>(
    `SELECT subscription_id AS "subscriptionId" FROM balances WHERE program_id = $1 AND id = $2`, [programId, balanceId]);
  if (rows.length === 0) throw notFound('balance', balanceId);
  const all = await listSubscriptionBalances(ctx.db, rows[0].subscriptionId);
  return balanceView(all.find((b) => b.id === balanceId)!);
}

export async function balanceTransactions(
  ctx: ServiceContext, programId: string, balanceId: string, filter: transactions.TransactionFilter, page: PageRequest,
) {
  await loadBalance(ctx.db, programId, balanceId);
  return toPage(await transactions.listTransactions(ctx.db, balanceId, filter, page), page.limit, transactionView);
}

export async function balanceLots(ctx: ServiceContext, programId: string, balanceId: string, filter: lots.LotFilter, page: PageRequest) {
  await loadBalance(ctx.db, programId, balanceId);
  return toPage(await lots.listLots(ctx.db, balanceId, filter, page), page.limit, lotView);
}

export async function getTransaction(ctx: ServiceContext, programId: string, id: string) {
  const t = await transactions.findTransaction(ctx.db, programId, id);
  if (!t) throw notFound('transaction', id);
  return transactionView(t);
}

/** Recomputes balances from their lots and reports every difference (none in a sound ledger). */
export async function checkLedger(ctx: ServiceContext, programId: string | null) {
  const differences = await findBalanceDifferences(ctx.db, programId);
  return { consistent: differences.length === 0, differences };
}
