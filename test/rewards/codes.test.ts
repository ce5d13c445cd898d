import { describe, expect, it } from 'vitest';
import { attributionRefusals } from '../../src/domain/rewards/issuing.ts';
import { redemptionRefusals } from '../../src/domain/rewards/voucher.ts';
import { importCodes } from '../../src/services/rewards/code-pool.ts';
import type { Harness } from '../support/harness.ts';
import { rewardsProgram } from './support.ts';
import { useLedgerHarness } from '../ledger/support.ts';

let h: Harness;
let p: Awaited<ReturnType<typeof rewardsProgram>>;
useLedgerHarness({ start: '2026-03-01T09:00:00.000Z' }, async (made) => {
  h = made;
  p = await rewardsProgram(h);
});

describe('code pools', () => {
  it('imports a large upload in batches, skipping codes the program has, and hands them out in upload order', async () => {
    const reward = await p.reward({ codeSource: 'pool' });
    const codes = Array.from({ length: 25_000 }, (_, i) => `BULK-${String(i).padStart(6, '0')}`);
    const upload = await p.uploadCodes(reward.id, codes);
    expect(upload.statusCode, upload.body).toBe(200);
    expect(upload.json()).toEqual({ received: 25_000, added: 25_000, skipped: 0, codes: { total: 25_000, free: 25_000 } });
    const again = await p.uploadCodes(reward.id, [...codes.slice(-2), 'BULK-LAST']);
    expect(again.json()).toEqual({ received: 3, added: 1, skipped: 2, codes: { total: 25_001, free: 25_001 } });
    const ada = await p.member('ada-codes@example.com');
    expect((await p.assign(reward.id, ada.id)).json().code).toBe('BULK-000000');
    expect((await p.assign(reward.id, ada.id)).json().code).toBe('BULK-000001');
  }, 60_000);

  it('refuses an upload with a bad line as a whole, naming each line; and uploads to a pattern reward or as JSON', async () => {
    const reward = await p.reward({ codeSource: 'pool' });
    const bad = await p.uploadCodes(reward.id, ['GOOD-1', 'has space', 'GOOD-2', 'x'.repeat(65)]);
    expect(bad.statusCode).toBe(422);
    expect(bad.json().errors.map((e: any) => e.field)).toEqual(['body.line.2', 'body.line.4']);
    expect((await p.call('GET', `/v1/rewards/${reward.id}`)).json().codes).toEqual({ total: 0, free: 0 });
    expect((await p.uploadCodes(reward.id, ['', '  '])).json()).toMatchObject({ status: 422, errors: [{ field: 'body' }] });

    const patterned = await p.reward();
    expect((await p.uploadCodes(patterned.id, ['P-1'])).json()).toMatchObject({ status: 409, errors: [{ field: '/codeSource' }] });
    const json = await p.call('POST', `/v1/rewards/${reward.id}/codes`, { codes: ['A'] });
    expect(json.statusCode).toBe(415);
    const ghost = await p.uploadCodes('0197a000-0000-7000-8000-00000000dead', ['A']);
    expect(ghost.statusCode).toBe(404);
  });

  it('refuses an upload of more than 1,000,000 codes (413), importing none', async () => {
    const reward = await p.reward({ codeSource: 'pool' });
    const tooMany = await p.uploadCodes(reward.id, Array.from({ length: 1_000_001 }, (_, i) => `C${i}`));
    expect(tooMany.json()).toMatchObject({ status: 413, type: '/problems/too-many-codes' });
    expect((await p.call('GET', `/v1/rewards/${reward.id}`)).json().codes).toEqual({ total: 0, free: 0 });
  }, 60_000);

  it('applies the cap to the pool after the upload, counting only the distinct codes really added', async () => {
    // The cap is the service's parameter (1,000,000 by default): a cap of 5 plays the rule without a million rows.
    const cap = 5;
    const reward = await p.reward({ codeSource: 'pool' });
    const upload = (codes: string[]) => importCodes(h.ctx, p.program.id, reward.id, codes.join('\n'), cap);
    const counts = async () => (await p.call('GET', `/v1/rewards/${reward.id}`)).json().codes;
    // More lines than the cap, but only 3 distinct codes.
    expect(await upload(['CAP-1', 'CAP-1', 'CAP-2', 'CAP-2', 'CAP-3', 'CAP-1'])).toEqual({ received: 6, added: 3, skipped: 3, codes: { total: 3, free: 3 } });
    // Codes the pool has already do not count again: 3 + 2 new = 5.
    expect(await upload(['CAP-1', 'CAP-2', 'CAP-3', 'CAP-4', 'CAP-5', 'CAP-4'])).toMatchObject({ added: 2, codes: { total: 5 } });
    // One new code past the cap refuses the whole upload, the codes that would fit included.
    await expect(upload(['CAP-5', 'CAP-6'])).rejects.toMatchObject({ status: 413, code: 'too-many-codes' });
    expect(await counts()).toEqual({ total: 5, free: 5 });
    await expect(upload(['CAP-9', 'CAP-9', 'CAP-8', 'CAP-7', 'CAP-6', 'CAP-10', 'CAP-11'])).rejects.toMatchObject({ status: 413 });
    expect(await counts()).toEqual({ total: 5, free: 5 });
  });

  it('keeps the code source fixed once vouchers were issued', async () => {
    const reward = await p.reward();
    const bea = await p.member('bea-codes@example.com');
    await p.assign(reward.id, bea.id);
    const change = await p.call('PATCH', `/v1/rewards/${reward.id}`, { codeSource: 'pool' });
    expect(change.json()).toMatchObject({ status: 409, errors: [{ field: '/codeSource' }] });
    await p.events();
  });
});

describe('the API reference', () => {
  it('documents every reward and voucher route with a summary', async () => {
    const spec = (await h.call('GET', '/openapi.json', { key: '' })).json();
    const routes: [string, string][] = [
      ['/v1/rewards', 'post'], ['/v1/rewards', 'get'], ['/v1/rewards/{rewardId}', 'get'], ['/v1/rewards/{rewardId}', 'patch'],
      ['/v1/rewards/{rewardId}/codes', 'post'], ['/v1/rewards/{rewardId}/purchase', 'post'], ['/v1/rewards/{rewardId}/assign', 'post'],
      ['/v1/vouchers', 'get'], ['/v1/vouchers/{voucherId}', 'get'], ['/v1/members/{memberId}/vouchers', 'get'],
      ['/v1/vouchers/validate', 'post'], ['/v1/vouchers/redeem', 'post'], ['/v1/vouchers/{voucherId}/redemption/complete', 'post'],
      ['/v1/vouchers/{voucherId}/redemption/cancel', 'post'], ['/v1/vouchers/{voucherId}/revoke', 'post'],
      ['/v1/vouchers/{voucherId}/cancel', 'post'], ['/v1/me/rewards', 'get'], ['/v1/me/rewards/{rewardId}/purchase', 'post'],
      ['/v1/me/vouchers', 'get'],
    ];
    for (const [path, method] of routes) expect(spec.paths[path]?.[method]?.summary, `${method} ${path}`).toBeTruthy();
    const create = spec.paths['/v1/rewards'].post.requestBody.content['application/json'].schema;
    expect(create.required.sort()).toEqual(['name', 'type']);
    expect(spec.paths['/v1/rewards/{rewardId}/purchase'].post.description).toContain('voucher_attribution_failed');
    // Every refusal a caller may get is named where the issuing and redeeming routes are documented.
    for (const { code } of Object.values(attributionRefusals)) expect(spec.paths['/v1/rewards/{rewardId}/assign'].post.description).toContain(`\`${code}\``);
    for (const [kind, { code }] of Object.entries(redemptionRefusals)) {
      if (kind !== 'cancelledRedemption' && kind !== 'timedOutRedemption') expect(spec.paths['/v1/vouchers/redeem'].post.description).toContain(`\`${code}\``);
    }
  });
});
