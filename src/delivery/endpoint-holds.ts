import type { Lease, OutgoingMessage } from '../storage/webhook-messages.ts';

/**
 * A worker claims ahead for an endpoint about as much as it expects the endpoint to take in this
 * long, judging by its recent attempts: enough that a fast endpoint never waits for a claim,
 * little enough that a claimed message is sent with an endpoint configuration at most this old.
 */
const claimAheadMs = 200;
/** At most this many times its concurrency claimed for one endpoint (in flight or waiting). */
const maxRounds = 20;
/** An attempt starts only if its timeout runs out at least this long before its lease does. */
const leaseMarginMs = 5_000;

/** A claimed message, when it was claimed and when its lease ends (ms since the epoch, worker's clock). */
interface Claimed {
  message: OutgoingMessage;
  claimedAt: number;
  leaseUntil: number;
}

/** What the worker holds of one endpoint: attempts in flight, and claimed messages waiting for a slot. */
interface Hold {
  inFlight: number;
  waiting: Claimed[];
}

/** What the worker has learnt of an endpoint from its claims and attempts. */
interface Stats {
  /** Moving average of its attempts' durations, in ms; undefined before the first. */
  averageMs: number | undefined;
  /** Its configuration as of the last claim. */
  maxConcurrency: number;
  timeoutMs: number;
  /** The last claim took all it could for it: more may be due, worth claiming as slots free up. */
  backlog: boolean;
}

/** What a claim is told of this worker: how many it holds of each endpoint, how far ahead to claim. */
export interface ClaimRequest {
  held: Map<string, number>;
  rounds: Map<string, number>;
  longestTimeoutMs: number;
}

/**
 * The claimed messages a worker holds, endpoint by endpoint, and how far ahead it claims for each.
 * At most an endpoint's maxConcurrency attempts are in flight; for an endpoint that answers fast,
 * several rounds more wait here, so the next one starts the moment a slot frees instead of after
 * another claim (which would cost more than the requests). A message that has waited so long that
 * its lease could run out before its attempt ends is handed back instead of sent: a second worker
 * could claim it meanwhile.
 */
export class EndpointHolds {
  readonly #leaseMs: number;
  readonly #holds = new Map<string, Hold>();
  readonly #stats = new Map<string, Stats>();
  #total = 0;

  constructor(leaseMs: number) {
    this.#leaseMs = leaseMs;
  }

  /** Claimed and not yet finished or handed back, all endpoints together. */
  get total(): number {
    return this.#total;
  }

  request(): ClaimRequest {
    const held = new Map<string, number>();
    const rounds = new Map<string, number>();
    for (const [endpointId, hold] of this.#holds) held.set(endpointId, hold.inFlight + hold.waiting.length);
    for (const endpointId of this.#stats.keys()) rounds.set(endpointId, this.#roundsFor(endpointId));
    return { held, rounds, longestTimeoutMs: this.#longestTimeoutMs };
  }

  /** Takes in what a claim made with `request` and `limit` returned; returns the endpoints it concerns. */
  add(claimed: OutgoingMessage[], request: ClaimRequest, limit: number, claimedAt: number, leaseUntil: number): Set<string> {
    const counts = new Map<string, number>();
    for (const message of claimed) {
      let hold = this.#holds.get(message.endpointId);
      if (!hold) this.#holds.set(message.endpointId, (hold = { inFlight: 0, waiting: [] }));
      hold.waiting.push({ message, claimedAt, leaseUntil });
      counts.set(message.endpointId, (counts.get(message.endpointId) ?? 0) + 1);
      const { maxConcurrency, timeoutMs } = message;
      const stats = this.#stats.get(message.endpointId);
      if (stats) Object.assign(stats, { maxConcurrency, timeoutMs });
      else this.#stats.set(message.endpointId, { averageMs: undefined, maxConcurrency, timeoutMs, backlog: true });
    }
    this.#total += claimed.length;
    // An endpoint that got all it could may have more due. (A claim cut short by its limit may
    // have left any endpoint's behind.)
    for (const [endpointId, stats] of this.#stats) {
      const room = stats.maxConcurrency * (request.rounds.get(endpointId) ?? 1) - (request.held.get(endpointId) ?? 0);
      if (room > 0) stats.backlog = claimed.length >= limit || (counts.get(endpointId) ?? 0) >= room;
    }
    return new Set(counts.keys());
  }

  /**
   * Takes the waiting messages of an endpoint that may start now, as its free slots allow, and
   * those that waited too long for their lease. `now` is the worker's clock.
   */
  next(endpointId: string, now: number): { start: OutgoingMessage[]; handBack: Lease[] } {
    const start: OutgoingMessage[] = [];
    const handBack: Lease[] = [];
    const hold = this.#holds.get(endpointId);
    if (!hold) return { start, handBack };
    while (hold.waiting.length > 0 && hold.inFlight < hold.waiting[0].message.maxConcurrency) {
      const { message, claimedAt, leaseUntil } = hold.waiting.shift()!;
      // Only a message that has waited can be handed back: one sent as it is claimed goes out as
      // it always did, whatever the lease.
      if (now > claimedAt && leaseUntil - now < message.timeoutMs + leaseMarginMs) {
        handBack.push({ id: message.id, leaseUntil: new Date(leaseUntil) });
        this.#total--;
      } else {
        hold.inFlight++;
        start.push(message);
      }
    }
    this.#forgetIfEmpty(endpointId, hold);
    return { start, handBack };
  }

  /** Takes all the waiting messages of an endpoint, to hand back unsent. */
  handBack(endpointId: string): Lease[] {
    const hold = this.#holds.get(endpointId);
    if (!hold) return [];
    const waiting = hold.waiting.splice(0);
    this.#total -= waiting.length;
    this.#forgetIfEmpty(endpointId, hold);
    return waiting.map(({ message, leaseUntil }) => ({ id: message.id, leaseUntil: new Date(leaseUntil) }));
  }

  handBackAll(): Lease[] {
    return [...this.#holds.keys()].flatMap((endpointId) => this.handBack(endpointId));
  }

  /** An attempt of the endpoint's took `durationMs`. */
  attempted(endpointId: string, durationMs: number): void {
    const stats = this.#stats.get(endpointId);
    if (!stats) return;
    stats.averageMs = stats.averageMs === undefined ? durationMs : 0.8 * stats.averageMs + 0.2 * durationMs;
  }

  /** An attempt is over; its slot is free. */
  finished(endpointId: string): void {
    const hold = this.#holds.get(endpointId);
    if (!hold) return;
    hold.inFlight--;
    this.#total--;
    this.#forgetIfEmpty(endpointId, hold);
  }

  /**
   * Whether a claim is worth making for the endpoint now: only if it may have more due (new
   * messages come with a NOTIFY or a poll), and for a slow endpoint as soon as a slot is free, for
   * a fast one, claimed ahead, once half of what it may hold has gone.
   */
  wantsClaim(endpointId: string): boolean {
    const stats = this.#stats.get(endpointId);
    if (!stats?.backlog) return false;
    const hold = this.#holds.get(endpointId);
    const holding = hold ? hold.inFlight + hold.waiting.length : 0;
    const rounds = this.#roundsFor(endpointId);
    const cap = stats.maxConcurrency * rounds;
    return rounds === 1 ? holding < cap : holding * 2 <= cap;
  }

  /** The longest timeout an endpoint may have to be claimed ahead for: a wait and then a whole attempt fit in the lease. */
  get #longestTimeoutMs(): number {
    return Math.floor((this.#leaseMs - leaseMarginMs) / 2);
  }

  /** How many times its concurrency to claim for an endpoint: 1 until its attempts are known to be fast. */
  #roundsFor(endpointId: string): number {
    const stats = this.#stats.get(endpointId);
    if (stats?.averageMs === undefined || stats.timeoutMs > this.#longestTimeoutMs) return 1;
    return Math.max(1, Math.min(maxRounds, Math.floor(claimAheadMs / Math.max(stats.averageMs, 1))));
  }

  #forgetIfEmpty(endpointId: string, hold: Hold): void {
    if (hold.inFlight === 0 && hold.waiting.length === 0) this.#holds.delete(endpointId);
  }
}
