import type { Dispatcher } from 'undici';
import type { Logger } from 'pino';
import type { Clock } from '../clock/clock.ts';
import { uuidv7 } from '../domain/ids.ts';
import type { Db } from '../storage/db.ts';
import * as messages from '../storage/webhook-messages.ts';
import type { AttemptRecord, OutgoingMessage } from '../storage/webhook-messages.ts';
import { createGuardedAgent } from './address-guard.ts';
import { applyEndpointOutcomes, type EndpointOutcome } from './endpoint-health.ts';
import { buildDeliveryHeaders } from './delivery-headers.ts';
import { decideAfterAttempt } from './retry-policy.ts';
import { sendAttempt } from './send-attempt.ts';

export interface WorkerOptions {
  db: Db;
  clock: Clock;
  logger?: Logger;
  /** CIDR ranges the SSRF guard lets through although private (e.g. loopback in development). */
  allow: string[];
  /** Most attempts in flight at once in this process. */
  maxInFlight?: number;
  /** How long a claimed message stays leased to this worker before another may claim it. */
  leaseMs?: number;
  pollMs?: number;
  random?: () => number;
  dispatcher?: Dispatcher;
}

/**
 * The delivery worker: claims due messages (FOR UPDATE SKIP LOCKED, so any number of workers
 * share the load), sends them signed, and records every attempt. HTTP happens outside any
 * transaction; results are written in batches.
 */
export class DeliveryWorker {
  readonly #db: Db;
  readonly #clock: Clock;
  readonly #log: Logger | undefined;
  readonly #maxInFlight: number;
  readonly #leaseMs: number;
  readonly #pollMs: number;
  readonly #random: () => number;
  readonly #dispatcher: Dispatcher;
  readonly #ownsDispatcher: boolean;
  readonly #inFlight = new Map<string, number>();
  #inFlightTotal = 0;
  #finished: { record: AttemptRecord; outcome: EndpointOutcome }[] = [];
  #flushing: Promise<void> = Promise.resolve();
  #running = false;
  #stopped = false;
  #loop: Promise<void> | undefined;
  #wake: (() => void) | undefined;
  #unlisten: (() => Promise<void>) | undefined;
  #sent = new Set<Promise<void>>();

  constructor(options: WorkerOptions) {
    this.#db = options.db;
    this.#clock = options.clock;
    this.#log = options.logger;
    this.#maxInFlight = options.maxInFlight ?? 256;
    this.#leaseMs = options.leaseMs ?? 120_000;
    this.#pollMs = options.pollMs ?? 1000;
    this.#random = options.random ?? Math.random;
    this.#ownsDispatcher = !options.dispatcher;
    this.#dispatcher = options.dispatcher ?? createGuardedAgent({ allow: options.allow, connectTimeoutMs: 10_000 });
  }

  /**
   * One round, for tests and tools: claims what is due now, sends it all, records it all.
   * Returns how many attempts were made.
   */
  async runOnce(limit = this.#maxInFlight): Promise<number> {
    const claimed = await this.#claim(limit);
    claimed.forEach((message) => this.#send(message));
    await Promise.all(this.#sent);
    await this.#flush();
    return claimed.length;
  }

  /** Rounds until nothing is due. */
  async drain(maxRounds = 1000): Promise<number> {
    let total = 0;
    for (let round = 0; round < maxRounds; round++) {
      const count = await this.runOnce();
      if (count === 0) break;
      total += count;
    }
    return total;
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#loop = this.#run();
  }

  /** Stops claiming, lets attempts in flight finish and records them. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#running = false;
    this.#wake?.();
    await this.#loop;
    await Promise.all(this.#sent);
    await this.#flush();
    await this.#unlisten?.();
    if (this.#ownsDispatcher) await this.#dispatcher.close();
  }

  async #run(): Promise<void> {
    this.#unlisten = await this.#db.listen('punchcard_outbox', () => this.#wake?.()).catch((error: unknown) => {
      this.#log?.warn({ err: error }, 'LISTEN unavailable; polling only');
      return undefined;
    });
    while (this.#running) {
      let claimed = 0;
      try {
        const room = this.#maxInFlight - this.#inFlightTotal;
        if (room > 0) {
          const batch = await this.#claim(room);
          batch.forEach((message) => this.#send(message));
          claimed = batch.length;
        }
      } catch (error) {
        this.#log?.error({ err: error }, 'claiming webhook messages failed');
      }
      if (claimed > 0 && this.#inFlightTotal < this.#maxInFlight) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, this.#pollMs);
        this.#wake = () => {
          clearTimeout(timer);
          this.#wake = undefined;
          resolve();
        };
      });
    }
  }

  async #claim(limit: number): Promise<OutgoingMessage[]> {
    const now = this.#clock.now();
    const claimed = await this.#db.transaction((tx) =>
      messages.claimDueMessages(tx, now, new Date(now.getTime() + this.#leaseMs), limit, this.#inFlight),
    );
    for (const message of claimed) {
      this.#inFlight.set(message.endpointId, (this.#inFlight.get(message.endpointId) ?? 0) + 1);
      this.#inFlightTotal++;
    }
    return claimed;
  }

  #send(message: OutgoingMessage): void {
    const sending = this.#attempt(message)
      .catch((error: unknown) => this.#log?.error({ err: error, messageId: message.id }, 'webhook attempt crashed'))
      .finally(() => {
        this.#sent.delete(sending);
        const left = (this.#inFlight.get(message.endpointId) ?? 1) - 1;
        if (left === 0) this.#inFlight.delete(message.endpointId);
        else this.#inFlight.set(message.endpointId, left);
        this.#inFlightTotal--;
        this.#wake?.();
      });
    this.#sent.add(sending);
  }

  async #attempt(message: OutgoingMessage): Promise<void> {
    const attemptedAt = this.#clock.now();
    const result = await sendAttempt({
      url: message.url,
      headers: buildDeliveryHeaders(message, attemptedAt),
      body: message.body,
      timeoutMs: message.timeoutMs,
      dispatcher: this.#dispatcher,
      now: attemptedAt,
    });
    const attemptNumber = message.attempts + 1;
    const decision = decideAfterAttempt(result, attemptNumber, this.#clock.now(), this.#random);
    const record: AttemptRecord = {
      id: uuidv7(attemptedAt),
      messageId: message.id,
      programId: message.programId,
      endpointId: message.endpointId,
      attemptedAt,
      trigger: message.trigger,
      statusCode: result.statusCode,
      durationMs: Math.round(result.durationMs),
      responseBody: result.responseBody,
      error: result.error,
      nextStatus: decision.kind === 'succeeded' ? 'succeeded' : decision.kind === 'retry' ? 'pending' : 'failed',
      nextAttemptAt: decision.kind === 'retry' ? decision.at : null,
    };
    const outcome: EndpointOutcome =
      decision.kind === 'succeeded' ? { kind: 'success', endpointId: message.endpointId }
      : decision.kind === 'disable-endpoint' ? { kind: 'gone', endpointId: message.endpointId, reason: decision.reason }
      : { kind: 'failure', endpointId: message.endpointId };
    this.#finished.push({ record, outcome });
    void this.#flush();
  }

  /** Writes finished attempts in batches: one transaction for whatever piled up meanwhile. */
  #flush(): Promise<void> {
    this.#flushing = this.#flushing.then(async () => {
      if (this.#finished.length === 0) return;
      const batch = this.#finished;
      this.#finished = [];
      const now = this.#clock.now();
      try {
        await this.#db.transaction(async (tx) => {
          await messages.recordAttempts(tx, batch.map((b) => b.record), now);
          await applyEndpointOutcomes(tx, batch.map((b) => b.outcome), now);
        });
      } catch (error) {
        // The messages stay leased and are attempted again when the lease ends: at least once.
        this.#log?.error({ err: error, count: batch.length }, 'recording webhook attempts failed');
      }
    });
    return this.#flushing;
  }
}
