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
    /** A member with a password, logged in: their member token for the self-service routes. */
    async loggedIn(email: string, extra: Record<string, unknown> = {}) {
      const password = 'a secret 12345';
      const created = await l.call('POST', '/v1/members', { email, password, ...extra });
      expect(created.statusCode, created.body).toBe(201);
      const login = await h.call('POST', `/v1/programs/${l.program.id}/member-sessions`, { key: '', body: { identifier: email, password } });
      expect(login.statusCode, login.body).toBe(201);
      return { member: created.json(), token: login.json().token as string };
    },
    async voucher(id: string) {
      const response = await l.call('GET', `/v1/vouchers/${id}`);
      expect(response.statusCode, response.body).toBe(200);
      return response.json();
    },
  };
}
