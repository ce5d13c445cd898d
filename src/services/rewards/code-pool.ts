import { Problem, conflict } from '../../domain/problem.ts';
import * as codes from '../../storage/rewards/codes.ts';
import type { ServiceContext } from '../context.ts';
import { programScope } from '../emit-context.ts';
import { loadReward } from './rewards.ts';

export const maxPoolCodes = 1_000_000;
/** Codes sent to the database per statement: one multi-row insert each, never one per code. */
const batchSize = 20_000;
const codePattern = /^[\x21-\x7e]{1,64}$/;

/** The codes of an upload, one per line; blank lines are ignored, a bad line refuses the whole upload. */
function parseCodes(text: string): string[] {
  const found: string[] = [];
  const errors: { field: string; message: string }[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const code = lines[i].trim();
    if (code === '') continue;
    if (!codePattern.test(code)) {
      if (errors.length < 20) errors.push({ field: `body.line.${i + 1}`, message: 'a code is 1 to 64 printable ASCII characters without spaces' });
      continue;
    }
    found.push(code);
  }
  if (errors.length > 0) throw new Problem(422, 'invalid-input', 'Invalid input', `${errors.length === 20 ? '20 or more' : errors.length} lines are not codes; nothing was imported`, errors);
  if (found.length === 0) throw new Problem(422, 'invalid-input', 'Invalid input', 'the upload holds no code', [{ field: 'body', message: 'holds no code' }]);
  if (found.length > maxPoolCodes) throw new Problem(413, 'too-many-codes', 'Too many codes', `an upload holds at most ${maxPoolCodes} codes`);
  return found;
}

/**
 * Adds uploaded codes to a reward's pool, all in one transaction, in batched multi-row inserts.
 * Codes the program already has (in any pool, or repeated in the upload) are skipped and counted.
 * A pool holds at most 1,000,000 codes.
 */
export async function importCodes(ctx: ServiceContext, programId: string, rewardId: string, text: string) {
  const parsed = parseCodes(text);
  return ctx.db.transaction(async (tx) => {
    const { now } = await programScope(tx, ctx, programId, 'api');
    // Under the reward's lock, so two uploads at once cannot both pass the pool's limit.
    const reward = await loadReward(tx, programId, rewardId, true);
    if (reward.codeSource !== 'pool') throw conflict('this reward generates its codes from a pattern; set codeSource to pool to upload codes', '/codeSource');
    const before = await codes.codeCounts(tx, rewardId);
    if (before.total + parsed.length > maxPoolCodes) {
      // Duplicates may bring it under the limit: count what is really new before refusing.
      const distinct = new Set(parsed).size;
      if (before.total + distinct > maxPoolCodes) {
        throw new Problem(413, 'too-many-codes', 'Too many codes',
          `the pool holds ${before.total} codes; with this upload it would pass ${maxPoolCodes}`);
      }
    }
    let added = 0;
    for (let i = 0; i < parsed.length; i += batchSize) {
      added += await codes.insertPoolCodes(tx, programId, rewardId, parsed.slice(i, i + batchSize), now);
    }
    if (before.total + added > maxPoolCodes) {
      throw new Problem(413, 'too-many-codes', 'Too many codes', `with this upload the pool would pass ${maxPoolCodes} codes`);
    }
    const after = await codes.codeCounts(tx, rewardId);
    return { received: parsed.length, added, skipped: parsed.length - added, codes: after };
  });
}
