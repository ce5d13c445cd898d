import { Problem, conflict } from '../../domain/problem.ts';
import * as codes from '../../storage/rewards/codes.ts';
import type { ServiceContext } from '../context.ts';
import { programScope } from '../emit-context.ts';
import { loadReward } from './rewards.ts';

export const maxPoolCodes = 1_000_000;
/** Codes sent to the database per statement: one multi-row insert each, never one per code. */
const batchSize = 20_000;
const codePattern = /^[\x21-\x7e]{1,64}$/;

const tooMany = (detail: string) => new Problem(413, 'too-many-codes', 'Too many codes', detail);

/**
 * The distinct codes of an upload, one per line, in upload order; blank lines are ignored, a bad
 * line refuses the whole upload. `received` counts every code line, repeats included.
 */
function parseCodes(text: string, cap: number): { codes: string[]; received: number } {
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
  // A code repeated in the upload is one code of the pool: only distinct codes count against the cap.
  const codes = [...new Set(found)];
  if (codes.length > cap) throw tooMany(`the upload holds ${codes.length} distinct codes; a pool holds at most ${cap}`);
  return { codes, received: found.length };
}

/**
 * Adds uploaded codes to a reward's pool, all in one transaction, in batched multi-row inserts.
 * Codes the program already has (in any pool, or repeated in the upload) are skipped and counted.
 * A pool holds at most `cap` codes (1,000,000): judged on its total after the upload, what it held
 * plus the codes really added, so repeats and codes it already has never refuse an upload.
 */
export async function importCodes(ctx: ServiceContext, programId: string, rewardId: string, text: string, cap = maxPoolCodes) {
  const { codes: parsed, received } = parseCodes(text, cap);
  return ctx.db.transaction(async (tx) => {
    const { now } = await programScope(tx, ctx, programId, 'api');
    // Under the reward's lock, so two uploads at once cannot both pass the pool's limit.
    const reward = await loadReward(tx, programId, rewardId, true);
    if (reward.codeSource !== 'pool') throw conflict('this reward generates its codes from a pattern; set codeSource to pool to upload codes', '/codeSource');
    const before = await codes.codeCounts(tx, rewardId);
    let added = 0;
    for (let i = 0; i < parsed.length; i += batchSize) {
      added += await codes.insertPoolCodes(tx, programId, rewardId, parsed.slice(i, i + batchSize), now);
    }
    // Which codes are new is known only once inserted; the throw rolls the whole upload back.
    if (before.total + added > cap) {
      throw tooMany(`the pool holds ${before.total} codes; this upload adds ${added} new ones, past the limit of ${cap}`);
    }
    const after = await codes.codeCounts(tx, rewardId);
    return { received, added, skipped: received - added, codes: after };
  });
}
