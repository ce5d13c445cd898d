import { expect } from 'vitest';
import type { Harness } from '../support/harness.ts';
import { ledgerProgram } from '../ledger/support.ts';

/** A ledger program (points definition, events endpoint) with helpers for documents and campaigns. */
export async function purchaseProgram(h: Harness, definition: Record<string, unknown> = {}, programExtra: Record<string, unknown> = {}) {
  const l = await ledgerProgram(h, definition, programExtra);
  let documents = 0;
  return {
    ...l,
    async register(member: Record<string, unknown>) {
      const response = await l.call('POST', '/v1/members', member);
      expect(response.statusCode, response.body).toBe(201);
      return response.json();
    },
    /** A sale of `grossTotal` (minor units) with defaults; `extra` overrides. */
    async sell(grossTotal: number, customer: Record<string, unknown> | undefined, extra: Record<string, unknown> = {}) {
      return l.call('POST', '/v1/purchases', {
        documentNumber: `S-${++documents}`, purchasedAt: '2026-04-01T09:00:00Z', currency: 'EUR', grossTotal,
        ...(customer ? { customer } : {}), ...extra,
      });
    },
    async giveBack(documentNumber: string, grossTotal: number, extra: Record<string, unknown> = {}) {
      return l.call('POST', '/v1/purchases', {
        documentNumber: `R-${++documents}`, documentType: 'return', returnedDocumentNumber: documentNumber,
        purchasedAt: '2026-04-02T09:00:00Z', currency: 'EUR', grossTotal, ...extra,
      });
    },
    async campaign(body: Record<string, unknown>) {
      const response = await l.call('POST', '/v1/campaigns', { trigger: { kind: 'purchase' }, ...body });
      expect(response.statusCode, response.body).toBe(201);
      return response.json();
    },
  };
}
