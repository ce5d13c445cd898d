import type { Dispatcher } from 'undici';
import type { Logger } from 'pino';
import type { Clock } from '../clock/clock.ts';
import type { SealingKey } from '../security/sealed-values.ts';
import { uuidv7 } from '../domain/ids.ts';
import type { Db } from '../storage/db.ts';
import * as messages from '../storage/webhook-messages.ts';
import type { AttemptRecord, Lease, OutgoingMessage } from '../storage/webhook-messages.ts';
import { outboxChannel } from '../outbox/emit.ts';
import { createGuardedAgent } from './address-guard.ts';
import { EndpointHolds } from './endpoint-holds.ts';
import { applyEndpointOutcomes, type EndpointOutcome } from './endpoint-health.ts';
import { buildDeliveryHeaders } from './delivery-headers.ts';
import { decideAfterAttempt } from './retry-policy.ts';
import { sendAttempt, type AttemptResult } from './send-attempt.ts';

export interface WorkerOptions {
  db: Db;
  clock: Clock;
  /** Opens the endpoints' credentials, sealed at rest. */
  sealKey: SealingKey;
  logger?: Logger;
  /** CIDR ranges the SSRF guard lets through although private (e.g. loopback in development). */
  allow: string[];
  /** Most messages claimed at once by this worker, in flight or waiting for a slot. */
  maxInFlight?: number;
  /** How long a claimed message stays leased to this worker before another may claim it. */
  leaseMs?: number;
  pollMs?: number;
  random?: () => number;
  dispatcher?: Dispatcher;
}

/**
 * After a NOTIFY or a claim that found work, the worker looks again this often instead of every
 * pollMs, for eagerForMs: emitters send at most one NOTIFY per 20 ms (outbox/emit.ts), and the
 * events committed in between are found this way.
 */
const eagerPollMs = 5;
const eagerForMs = 250;

/**
 * The delivery worker: claims due messages (FOR UPDATE SKIP LOCKED, so any number of workers
 * share the load), sends them signed, and records every attempt. HTTP happens outside any
 * transaction; results are written in batches. At most an endpoint's maxConcurrency attempts are
 * in flight at once; for endpoints that answer fast it claims ahead (see EndpointHolds).
 */
export class DeliveryWorker {
  readonly #db: Db;
  readonly #clock: Clock;
  readonly #sealKey: SealingKey;
  readonly #log: Logger | undefined;
  readonly #maxInFlight: number;
  readonly #leaseMs: number;
  readonly #pollMs: number;
  readonly #random: () => number;
  readonly #dispatcher: Dispatcher;
  readonly #ownsDispatcher: boolean;
  /** What is claimed and not finished, in flight or waiting; never more than maxInFlight in all. */
  readonly #holds: EndpointHolds;
  #finished: { record: AttemptRecord; outcome: EndpointOutcome }[] = [];
  /** Claimed messages to hand back unsent with the next flush. */
  #unsent: Lease[] = [];
  /** Endpoints that answered 410 Gone, until the flush that disables them is over. */
  readonly #gone = new Set<string>();
  #flushScheduled = false;
  #flushing: Promise<void> = Promise.resolve();
  #running = false;
  #stopped = false;
  #loop: Promise<void> | undefined;
  #wake: (() => void) | undefined;
  /** Set by anything that may make a claim fruitful, so a wake-up during a claim is not lost. */
  #wakeRequested = false;
  /** Until when (performance.now()) to poll every eagerPollMs. */
  #eagerUntil = 0;
  #unlisten: (() => Promise<void>) | undefined;
  #sent = new Set<Promise<void>>();

  constructor(options: WorkerOptions) {
    this.#db = options.db;
    this.#clock = options.clock;
    this.#sealKey = options.sealKey;
    this.#log = options.logger;
    this.#maxInFlight = options.maxInFlight ?? 256;
    this.#leaseMs = options.leaseMs ?? 120_000;
    this.#pollMs = options.pollMs ?? 1000;
    this.#random = options.random ?? Math.random;
    this.#ownsDispatcher = !options.dispatcher;
    this.#dispatcher = options.dispatcher ?? createGuardedAgent({ allow: options.allow, connectTimeoutMs: 10_000 });
    this.#holds = new EndpointHolds(this.#leaseMs);
  }

  /**
   * One round, for tests and tools: claims what is due now, sends it all, records it all.
   * Returns how many messages were claimed.
   */
  async runOnce(limit = this.#maxInFlight): Promise<number> {
    const claimed = await this.#claim(Math.min(limit, this.#maxInFlight - this.#holds.total));
    await this.#settled();
    await this.#flush();
    return claimed;
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

  /**
   * Stops claiming, hands back the messages still waiting for a slot, lets attempts in flight
   * finish and records them.
   */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#running = false;
    this.#wake?.();
    await this.#loop;
    this.#unsent.push(...this.#holds.handBackAll());
    await this.#settled();
    await this.#flush();
    await this.#unlisten?.();
    if (this.#ownsDispatcher) await this.#dispatcher.close();
  }

  async #run(): Promise<void> {
    this.#unlisten = await this.#db.listen(outboxChannel, () => {
      this.#eagerUntil = performance.now() + eagerForMs;
      this.#requestWake();
    }).catch((error: unknown) => {
      this.#log?.warn({ err: error }, 'LISTEN unavailable; polling only');
      return undefined;
    });
    while (this.#running) {
      this.#wakeRequested = false;
      let full = false;
      try {
        const room = this.#maxInFlight - this.#holds.total;
        const claimed = room > 0 ? await this.#claim(room) : 0;
        if (claimed > 0) this.#eagerUntil = performance.now() + eagerForMs;
        // A claim that filled the room may have left more behind: claim again once there is room.
        full = claimed > 0 && claimed === room;
      } catch (error) {
        this.#log?.error({ err: error }, 'claiming webhook messages failed');
      }
      if (this.#wakeRequested || (full && this.#holds.total < this.#maxInFlight)) continue;
      const waitMs = performance.now() < this.#eagerUntil ? Math.min(eagerPollMs, this.#pollMs) : this.#pollMs;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, waitMs);
        this.#wake = () => {
          clearTimeout(timer);
          this.#wake = undefined;
          resolve();
        };
      });
    }
  }

  #requestWake(): void {
    this.#wakeRequested = true;
    this.#wake?.();
  }

  /** Claims up to `limit` messages and starts what the endpoints' concurrency allows; returns how many. */
  async #claim(limit: number): Promise<number> {
    if (limit <= 0) return 0;
    const request = this.#holds.request();
    const now = this.#clock.now();
    const claimedAt = now.getTime();
    const leaseUntil = claimedAt + this.#leaseMs;
    // One statement, so no transaction around it: a claim is a single round trip.
    const claimed = await messages.claimDueMessages(
      this.#db, this.#sealKey, now, new Date(leaseUntil), limit, request.held, request.rounds, request.longestTimeoutMs);
    const endpoints = this.#holds.add(claimed, request, limit, claimedAt, leaseUntil);
    for (const endpointId of endpoints) this.#startNext(endpointId, claimedAt);
    return claimed.length;
  }

  /** Starts what an endpoint's free slots allow; `now` defaults to the clock's. */
  #startNext(endpointId: string, now = this.#clock.now().getTime()): void {
    if (this.#gone.has(endpointId)) this.#unsent.push(...this.#holds.handBack(endpointId));
    const { start, handBack } = this.#holds.next(endpointId, now);
    for (const message of start) this.#send(message);
    this.#unsent.push(...handBack);
    if (this.#unsent.length > 0) this.#flushSoon();
  }

  /** Resolves once nothing claimed is in flight. */
  async #settled(): Promise<void> {
    while (this.#sent.size > 0) await Promise.all(this.#sent);
  }

  #send(message: OutgoingMessage): void {
    const sending = this.#attempt(message)
      .catch((error: unknown) => this.#log?.error({ err: error, messageId: message.id }, 'webhook attempt crashed'))
      .finally(() => {
        this.#sent.delete(sending);
        this.#holds.finished(message.endpointId);
        this.#startNext(message.endpointId);
        if (this.#holds.wantsClaim(message.endpointId)) this.#requestWake();
      });
    this.#sent.add(sending);
  }

  async #attempt(message: OutgoingMessage): Promise<void> {
    const attemptedAt = this.#clock.now();
    // Credentials that do not open: nothing is sent, the attempt fails with why (and is retried).
    if (message.credentialError) this.#log?.error({ messageId: message.id, endpointId: message.endpointId }, message.credentialError);
    const result: AttemptResult = message.credentialError
      ? { statusCode: null, durationMs: 0, responseBody: '', error: message.credentialError, errorKind: null, retryAfterSeconds: null }
      : await sendAttempt({
        url: message.url,
        headers: buildDeliveryHeaders(message, attemptedAt),
        body: message.body,
        timeoutMs: message.timeoutMs,
        dispatcher: this.#dispatcher,
        now: attemptedAt,
      });
    this.#holds.attempted(message.endpointId, result.durationMs);
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
    // The endpoint asked for no more: what waits for it goes back unsent, in the transaction that
    // records the 410 (and disables the endpoint, so no worker claims it again).
    if (outcome.kind === 'gone') {
      this.#gone.add(message.endpointId);
      this.#unsent.push(...this.#holds.handBack(message.endpointId));
    }
    this.#flushSoon();
  }

  /**
   * Flushes once the event loop has taken in every response that is ready, not once per response:
   * on PGlite a transaction runs to its end without letting any I/O in, so flushing at once would
   * write every attempt on its own.
   */
  #flushSoon(): void {
    if (this.#flushScheduled) return;
    this.#flushScheduled = true;
    setImmediate(() => {
      this.#flushScheduled = false;
      void this.#flush();
    });
  }

  /**
   * Writes finished attempts in batches: one transaction for whatever piled up meanwhile,
   * together with the messages handed back unsent.
   */
  #flush(): Promise<void> {
    this.#flushing = this.#flushing.then(async () => {
      if (this.#finished.length === 0 && this.#unsent.length === 0) return;
      const batch = this.#finished;
      const unsent = this.#unsent;
      const gone = batch.filter((b) => b.outcome.kind === 'gone').map((b) => b.outcome.endpointId);
      this.#finished = [];
      this.#unsent = [];
      const now = this.#clock.now();
      try {
        await this.#db.transaction(async (tx) => {
          await messages.recordAttempts(tx, batch.map((b) => b.record), now);
          await applyEndpointOutcomes(tx, batch.map((b) => b.outcome), now);
          await messages.releaseMessages(tx, unsent, now);
        });
      } catch (error) {
        // The messages stay leased and are attempted again when the lease ends: at least once.
        this.#log?.error({ err: error, count: batch.length }, 'recording webhook attempts failed');
      } finally {
        // Disabled now, so no claim returns their messages any more; or not, and they are tried again.
        for (const endpointId of gone) this.#gone.delete(endpointId);
      }
    });
    return this.#flushing;
  }
}
