import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock/clock.ts';
import type { ServiceContext } from '../../src/services/context.ts';
import { blockUnits } from '../../src/services/ledger/blocks.ts';
import { createDefinition } from '../../src/services/ledger/definitions.ts';
import { createTransaction } from '../../src/services/ledger/transactions.ts';
import { transferUnits } from '../../src/services/ledger/transfers.ts';
import { registerMember } from '../../src/services/members/register.ts';
import { createProgram } from '../../src/services/programs.ts';
import { migrate } from '../../src/storage/migrate.ts';
import { openDb } from '../../src/storage/open.ts';
import { childEnv, cliEngines, freshStore, run } from '../support/cli.ts';
import { testSealKey } from '../support/sealing-key.ts';

/**
 * `punchcard ledger check`, spawned for real (process.execPath is the project's Node under
 * vitest) against a store where a small ledger was built through the services: exit 0 while
 * every balance equals its lots, exit 1 listing the difference once a balance row is corrupted.
 */

describe.each(cliEngines)('punchcard ledger check on %s', { timeout: 180_000 }, (engine) => {
  it('exits 0 on a consistent ledger and 1, naming the balance and the figure, once a balance row is corrupted', async () => {
    const store = await freshStore(engine);
    // A small ledger, built through the services.
    const { programId, other, balanceId } = await (async () => {
      const db = await store.open();
      try {
        await migrate(db);
        const ctx: ServiceContext = { db, clock: new ManualClock('2026-03-01T09:00:00.000Z'), sandbox: true, sealKey: testSealKey };
        const program = await createProgram(ctx, { name: 'CLI Club', timezone: 'Europe/Paris' });
        const second = await createProgram(ctx, { name: 'Other Club' });
        for (const p of [program, second]) await createDefinition(ctx, p.id, { name: 'Points' });
        const ada = await registerMember(ctx, program.id, { email: 'ada@example.com' });
        const bob = await registerMember(ctx, program.id, { email: 'bob@example.com' });
        const credit = await createTransaction(ctx, program.id, { memberId: ada.id, kind: 'credit', amount: 500, autoComplete: true });
        await createTransaction(ctx, program.id, { memberId: ada.id, kind: 'debit', amount: 120, autoComplete: true });
        await blockUnits(ctx, program.id, { memberId: ada.id, amount: 30 });
        await transferUnits(ctx, program.id, { fromMemberId: ada.id, toMemberId: bob.id, amount: 50 });
        const carl = await registerMember(ctx, second.id, { email: 'carl@example.com' });
        await createTransaction(ctx, second.id, { memberId: carl.id, kind: 'credit', amount: 7, autoComplete: true });
        return { programId: program.id, other: second.id, balanceId: credit.balanceId };
      } finally {
        await db.close();
      }
    })();

    const sound = await run(['ledger', 'check'], childEnv(store.env, 'warn'));
    expect(sound.code, sound.stderr).toBe(0);
    expect(sound.stdout).toBe('ledger consistent: every balance equals its lots\n');

    // Corrupt one balance row behind the ledger's back.
    const db = await store.open();
    await db.query(`UPDATE balances SET available = available + 7, earned = earned - 1 WHERE id = $1`, [balanceId]);
    const [stored] = await db.query<{ available: number; earned: number }>(`SELECT available, earned FROM balances WHERE id = $1`, [balanceId]);
    await db.close();
    expect(stored).toEqual({ available: 307, earned: 499 });

    const broken = await run(['ledger', 'check'], childEnv(store.env, 'warn'));
    expect(broken.code, broken.stderr).toBe(1);
    expect(broken.stdout).toBe([
      `balance ${balanceId}: available stored 307, from lots 300`,
      `balance ${balanceId}: earned stored 499, from lots 500`,
      '2 differences',
      '',
    ].join('\n'));

    // Scoped to a program: the other program is still consistent; this one is not.
    const scopedOther = await run(['ledger', 'check', '--program', other], childEnv(store.env, 'warn'));
    expect(scopedOther.code, scopedOther.stderr).toBe(0);
    const scoped = await run(['ledger', 'check', '--program', programId], childEnv(store.env, 'warn'));
    expect(scoped.code).toBe(1);
    expect(scoped.stdout).toContain(`balance ${balanceId}: available stored 307, from lots 300`);
  });
});
