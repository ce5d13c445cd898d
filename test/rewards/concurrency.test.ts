import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/harness.ts';
import { countEvents } from '../ledger/support.ts';
import { closeReceivers, rewardsProgram } from './support.ts';

let h: Harness;
let p: Awaited<ReturnType<typeof rewardsProgram>>;
let members: { id: string }[];
beforeAll(async () => {
  h = await startHarness({ start: '2026-03-01T09:00:00.000Z' });
  p = await rewardsProgram(h);
  members = [];
  // 20 members, each buying 5 times at once: 100 concurrent purchases without registering 100 members.
  for (let i = 0; i < 20; i++) {
    const m = await p.member(`buyer-${i}@example.com`);
    await p.credit(m.id, 1000);
    members.push(m);
  }
}, 120_000);
afterAll(async () => {
  await h?.close();
  await closeReceivers();
});

const statuses = (responses: { statusCode: number }[]) =>
  responses.reduce<Record<number, number>>((acc, r) => ({ ...acc, [r.statusCode]: (acc[r.statusCode] ?? 0) + 1 }), {});

describe('concurrent purchases', () => {
  it('100 purchases at once of a reward with 10 codes: exactly 10 vouchers, 10 distinct codes, 90 refusals taking nothing', async () => {
    const reward = await p.reward({ codeSource: 'pool', cost: 30 });
    const codes = Array.from({ length: 10 }, (_, i) => `RACE-${i}`);
    expect((await p.uploadCodes(reward.id, codes)).statusCode).toBe(200);
    const before = await countEvents(h.db, p.program.id);

    const buyers = Array.from({ length: 100 }, (_, i) => members[i % members.length]);
    const responses = await Promise.all(buyers.map((m) => p.purchase(reward.id, m.id)));
    expect(statuses(responses)).toEqual({ 201: 10, 409: 90 });
    for (const r of responses.filter((r) => r.statusCode === 409)) expect(r.json().type).toBe('/problems/reward-out-of-codes');
    const issued = responses.filter((r) => r.statusCode === 201).map((r) => r.json());
    expect(new Set(issued.map((v) => v.code))).toEqual(new Set(codes));

    const rows = await h.db.query<{ n: number; codes: number }>(
      `SELECT count(*)::int AS n, count(DISTINCT code)::int AS codes FROM vouchers WHERE reward_id = $1`, [reward.id]);
    expect(rows[0]).toEqual({ n: 10, codes: 10 });
    const claimed = await h.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM reward_codes WHERE reward_id = $1 AND voucher_id IS NOT NULL`, [reward.id]);
    expect(claimed[0].n).toBe(10);
    const spent = await h.db.query<{ total: number }>(
      `SELECT coalesce(sum(spent), 0)::int AS total FROM balances WHERE program_id = $1`, [p.program.id]);
    expect(spent[0].total).toBe(300);
    expect((await p.call('GET', `/v1/rewards/${reward.id}`)).json()).toMatchObject({ issued: 10, codes: { total: 10, free: 0 } });

    const after = await countEvents(h.db, p.program.id);
    const delta = (type: string) => (after[type] ?? 0) - (before[type] ?? 0);
    expect([delta('CustomerBoughtReward'), delta('voucher_created'), delta('voucher_attribution_failed'), delta('balance_value_updated')])
      .toEqual([10, 10, 90, 10]);
    expect(await p.check()).toEqual({ consistent: true, differences: [] });
  }, 120_000);

  it('the last unit of a total limit and of a per-member limit is never issued twice', async () => {
    const total = await p.reward({ limits: { total: 10 } });
    const responses = await Promise.all(members.map((m) => p.assign(total.id, m.id)));
    expect(statuses(responses)).toEqual({ 201: 10, 409: 10 });

    const perMember = await p.reward({ limits: { perMember: 1 } });
    const same = await Promise.all(Array.from({ length: 20 }, () => p.assign(perMember.id, members[0].id)));
    expect(statuses(same)).toEqual({ 201: 1, 409: 19 });
    const counted = await h.db.query<{ reward_id: string; n: number }>(
      `SELECT reward_id, count(*)::int AS n FROM vouchers WHERE reward_id = ANY($1::uuid[]) GROUP BY reward_id`, [[total.id, perMember.id]]);
    expect(Object.fromEntries(counted.map((r) => [r.reward_id, r.n]))).toEqual({ [total.id]: 10, [perMember.id]: 1 });
  }, 120_000);
});
