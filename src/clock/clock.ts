/** The only source of "now". Injected everywhere so tests and the sandbox can move time. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** A clock that moves only when told to: tests drive time with it. */
export class ManualClock implements Clock {
  #ms: number;
  constructor(start: Date | string = '2026-01-01T00:00:00.000Z') {
    this.#ms = new Date(start).getTime();
  }
  now(): Date {
    return new Date(this.#ms);
  }
  advance(ms: number): void {
    this.#ms += ms;
  }
  set(at: Date | string): void {
    this.#ms = new Date(at).getTime();
  }
}

/** A program's clock: the instance clock plus the program's sandbox offset. */
export function programNow(clock: Clock, program: { clockOffsetMs: number }): Date {
  return new Date(clock.now().getTime() + program.clockOffsetMs);
}
