import type { ServiceContext } from '../context.ts';
import { programScope } from '../emit-context.ts';
import { completeMovementBatch, type MovementOutcome } from './movement-batch.ts';
import type { TransactionInput } from './movement.ts';
import { transactionView } from './views.ts';

type TransactionView = ReturnType<typeof transactionView>;
type Alone = (ctx: ServiceContext, programId: string, input: TransactionInput, source: string) => Promise<TransactionView>;

/** Most requests one batch takes: its statements' arrays stay small, and one slow batch delays few answers. */
const maxBatch = 100;
/**
 * Batches in flight at once per process. More than one, so that the database works on one while
 * this process prepares the next; few, since every batch holds a pooled connection and its
 * balances' locks until it commits.
 */
const maxInFlight = 3;

interface Waiting {
  input: TransactionInput;
  resolve: (view: TransactionView) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit for plain completed credits and debits (createTransaction with autoComplete on a
 * member): requests arriving while earlier batches are in flight wait together and go as one
 * database transaction (completeMovementBatch), so a busy program pays a handful of statements
 * and one commit for many requests instead of several statements and one commit each. A quiet
 * one waits for next to nothing: a request finding a free slot goes at the end of the event
 * loop's turn, with the requests read in the same turn (pumpSoon) — alone if it came alone.
 * Each request still answers for itself: its own transaction, or its own refusal (after the
 * commit, as every refusal is). A request the batch cannot take, and every request of a batch
 * that failed as a whole (a deadlock, a lost connection), runs on its own path instead.
 */
class MovementBatcher {
  private readonly queues = new Map<string, { programId: string; source: string; waiting: Waiting[] }>();
  private inFlight = 0;
  /** Whether a pump is due at the end of this turn of the event loop (pumpSoon). */
  private pumpScheduled = false;
  /** Members whose requests a batch in flight holds. */
  private readonly busy = new Set<string>();
  private readonly ctx: ServiceContext;
  private readonly alone: Alone;
  /** What the group commit did so far (movementBatchStats). */
  readonly stats = { batches: 0, batched: 0, alone: 0, failedBatches: 0 };

  constructor(ctx: ServiceContext, alone: Alone) {
    this.ctx = ctx;
    this.alone = alone;
  }

  submit(programId: string, source: string, input: TransactionInput): Promise<TransactionView> {
    return new Promise((resolve, reject) => {
      const key = `${programId} ${source}`;
      let queue = this.queues.get(key);
      if (!queue) this.queues.set(key, queue = { programId, source, waiting: [] });
      queue.waiting.push({ input, resolve, reject });
      this.pumpSoon();
    });
  }

  /**
   * Starts batches once the event loop has taken in the requests that arrived with this one
   * (setImmediate runs after the I/O callbacks of the current turn): they go together instead of
   * one batch each. On PGlite this is what makes batches at all: its statements run on this
   * thread, so a batch started at once ran to its commit before the next request was read.
   */
  private pumpSoon(): void {
    if (this.pumpScheduled) return;
    this.pumpScheduled = true;
    setImmediate(() => {
      this.pumpScheduled = false;
      this.pump();
    });
  }

  private pump(): void {
    for (const [key, queue] of [...this.queues]) {
      if (this.inFlight >= maxInFlight) return;
      const batch = this.takeFree(queue.waiting);
      if (batch.length === 0) continue;
      // Round robin: a program with more waiting goes to the back of the line.
      this.queues.delete(key);
      if (queue.waiting.length > 0) this.queues.set(key, queue);
      this.inFlight++;
      const members = [...new Set(batch.map((w) => w.input.memberId!))];
      for (const member of members) this.busy.add(member);
      void this.run(queue.programId, queue.source, batch).finally(() => {
        for (const member of members) this.busy.delete(member);
        this.inFlight--;
        this.pump();
      });
    }
  }

  /**
   * Takes from `waiting`, in order, up to maxBatch requests whose member no batch in flight holds:
   * a batch would wait for that batch's balance locks until it commits, and batches would run one
   * after the other. The others stay, in order, for the batch that starts when it is done.
   */
  private takeFree(waiting: Waiting[]): Waiting[] {
    const taken: Waiting[] = [];
    const left: Waiting[] = [];
    for (const w of waiting) {
      if (taken.length < maxBatch && !this.busy.has(w.input.memberId!)) taken.push(w);
      else left.push(w);
    }
    waiting.splice(0, waiting.length, ...left);
    return taken;
  }

  private async run(programId: string, source: string, batch: Waiting[]): Promise<void> {
    let outcomes: MovementOutcome[];
    try {
      outcomes = await this.ctx.db.transaction(async (tx) =>
        completeMovementBatch(tx, await programScope(tx, this.ctx, programId, source), batch.map((w) => w.input)), { genericPlans: true });
      this.stats.batches++;
    } catch {
      // Nothing of the batch committed: each request tries again on its own, and answers for itself (a 404, a 500).
      this.stats.failedBatches++;
      outcomes = batch.map(() => ({ kind: 'alone' }));
    }
    batch.forEach((waiting, n) => {
      const outcome = outcomes[n];
      if (outcome.kind === 'alone') {
        this.stats.alone++;
        this.alone(this.ctx, programId, waiting.input, source).then(waiting.resolve, waiting.reject);
        return;
      }
      this.stats.batched++;
      if (outcome.kind === 'completed') waiting.resolve(transactionView(outcome.transaction));
      else waiting.reject(outcome.refusal);
    });
  }
}

const batchers = new WeakMap<ServiceContext, MovementBatcher>();

/** Whether createTransaction sends this request through the group commit: a completed credit or debit of a member, nothing more. */
export const goesInBatches = (input: TransactionInput) =>
  input.autoComplete === true && input.memberId !== undefined && input.loyaltySubscriptionId === undefined
  && input.availableAt === undefined && input.ttlSeconds === undefined && input.externalRef === undefined;

/** What a service context's group commit did so far: batches committed, requests they answered, requests run alone, batches failed. */
export const movementBatchStats = (ctx: ServiceContext) =>
  batchers.get(ctx)?.stats ?? { batches: 0, batched: 0, alone: 0, failedBatches: 0 };

/** Hands a request to the service context's group commit (one per context, made on first use). */
export function submitMovement(ctx: ServiceContext, programId: string, source: string, input: TransactionInput, alone: Alone) {
  let batcher = batchers.get(ctx);
  if (!batcher) batchers.set(ctx, batcher = new MovementBatcher(ctx, alone));
  return batcher.submit(programId, source, input);
}
