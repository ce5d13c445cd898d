import { expect } from 'vitest';
import type { Harness } from '../support/harness.ts';
import { ledgerProgram } from '../ledger/support.ts';

export { closeReceivers, names, ofType } from '../ledger/support.ts';

/** A program with a points definition and an endpoint catching every event, plus reward helpers. */
export async function rewardsProgram(h: Harness, programExtra: Record<string, unknown> = {}) {
  const l = await ledgerProgram(h, {}, programExtra);
  return {
    ...l,
    async reward(body: Record<string, unknown> = {}) {
      const response = await l.call('POST', '/v1/rewards', { name: 'Free coffee', type: 'material', ...body });
      expect(response.statusCode, response.body).toBe(201);
      return response.json();
    },
    purchase: (rewardId: string, memberId: string, extra: Record<string, unknown> = {}) =>
      l.call('POST', `/v1/rewards/${rewardId}/purchase`, { memberId, ...extra }),
    assign: (rewardId: string, memberId: string) => l.call('POST', `/v1/rewards/${rewardId}/assign`, { memberId }),
    async uploadCodes(rewardId: string, codes: string[]) {
      return h.call('POST', `/v1/rewards/${rewardId}/codes`, {
        key: l.program.key, body: codes.join('\n'), headers: { 'content-type': 'text/plain' } });
    },
    async voucher(id: string) {
      const response = await l.call('GET', `/v1/vouchers/${id}`);
      expect(response.statusCode, response.body).toBe(200);
      return response.json();
    },
  };
}
