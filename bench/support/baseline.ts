import { request } from 'undici';
import { createGuardedAgent } from '../../src/delivery/address-guard.ts';

/**
 * The same HTTP client as the worker (undici `request` through the guarded agent, built with the
 * worker's settings) posting the same bodies with at most `concurrency` requests in flight, with
 * no database, signing or bookkeeping: the ceiling the engine is compared with.
 * Returns the elapsed milliseconds.
 */
export async function postRaw(
  url: string,
  bodies: readonly { id: string; body: string }[],
  concurrency: number,
  allow: string[],
): Promise<number> {
  const agent = createGuardedAgent({ allow, connectTimeoutMs: 10_000 });
  let next = 0;
  const lane = async () => {
    while (next < bodies.length) {
      const { id, body } = bodies[next++];
      const response = await request(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'webhook-id': id },
        body,
        dispatcher: agent,
      });
      await response.body.text();
      if (response.statusCode !== 204) throw new Error(`raw post answered ${response.statusCode}`);
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, lane));
  const elapsed = performance.now() - started;
  await agent.close();
  return elapsed;
}
