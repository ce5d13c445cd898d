import { notFound } from '../../domain/problem.ts';
import { runsOfPurchase } from '../../storage/campaigns/runs.ts';
import { toPage, type PageRequest } from '../../storage/pagination.ts';
import * as purchases from '../../storage/purchases/transactions.ts';
import type { ServiceContext } from '../context.ts';
import { purchaseView } from './views.ts';

/** A document with what its campaigns applied. */
export async function getPurchase(ctx: ServiceContext, programId: string, id: string) {
  const row = await purchases.findPurchase(ctx.db, programId, id);
  if (!row) throw notFound('purchase transaction', id);
  const runs = await runsOfPurchase(ctx.db, programId, id);
  return purchaseView(row, { campaigns: runs.map((r) => ({ campaignId: r.campaignId, runId: r.id, effects: r.effects })) });
}

export async function listPurchases(ctx: ServiceContext, programId: string, filter: purchases.PurchaseFilter, page: PageRequest) {
  return toPage(await purchases.listPurchases(ctx.db, programId, filter, page), page.limit, (r) => purchaseView(r));
}
