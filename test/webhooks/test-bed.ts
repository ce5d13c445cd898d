import { afterAll, beforeAll, beforeEach } from 'vitest';
import { startHarness, type Harness } from '../support/harness.ts';
import { startReceiver, type Receiver } from '../support/receiver.ts';

export interface WebhookTestBed {
  h: Harness;
  receiver: Receiver;
  program: { id: string; key: string };
}

/**
 * One harness and one receiver per test file; before each test a fresh program and an empty
 * receiver answering 204, handed to `use` (the file keeps them in its own variables).
 */
export function useWebhookTestBed(
  use: (bed: WebhookTestBed) => void,
  options: { harness?: Parameters<typeof startHarness>[0]; beforeProgram?: (h: Harness) => void } = {},
): void {
  let h: Harness;
  let receiver: Receiver;
  beforeAll(async () => {
    h = await startHarness(options.harness);
    receiver = await startReceiver();
  });
  afterAll(async () => {
    await h?.close();
    await receiver?.close();
  });
  beforeEach(async () => {
    options.beforeProgram?.(h);
    const program = await h.newProgram();
    receiver.received.length = 0;
    receiver.respondWith((_r, res) => res.writeHead(204).end());
    use({ h, receiver, program });
  });
}

/**
 * For files that verify deliveries with the official standardwebhooks library, which checks each
 * timestamp against the wall clock: the instance clock starts at the real time, and each test
 * starts at the real time again, whatever the one before did to the clock.
 */
export function atRealTime(): Parameters<typeof useWebhookTestBed>[1] {
  return { harness: { start: new Date().toISOString() }, beforeProgram: (h) => h.clock.set(new Date()) };
}
