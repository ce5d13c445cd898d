import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { ServerResponse } from 'node:http';
import { Agent } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGuardedAgent } from '../../src/delivery/address-guard.ts';
import { sendAttempt } from '../../src/delivery/send-attempt.ts';
import type { AttemptRequest } from '../../src/delivery/send-attempt.ts';
import { startServer } from './local-server.ts';
import type { LocalServer } from './local-server.ts';

const now = new Date('2026-03-01T12:00:00.000Z');
const held: ServerResponse[] = [];

const routes: Record<string, (res: ServerResponse) => void> = {
  '/ok': (res) => res.end('thanks'),
  '/created': (res) => res.writeHead(201).end(),
  '/redirect': (res) => res.writeHead(302, { location: '/ok' }).end(),
  '/gone': (res) => res.writeHead(410).end('gone for good'),
  '/busy': (res) => res.writeHead(429, { 'retry-after': '120' }).end(),
  '/busy-until': (res) => res.writeHead(503, { 'retry-after': 'Sun, 01 Mar 2026 12:10:00 GMT' }).end(),
  '/busy-nonsense': (res) => res.writeHead(503, { 'retry-after': 'later' }).end(),
  '/big': (res) => res.end('a'.repeat(20_000)),
  '/huge': (res) => res.end('b'.repeat(1024 * 1024)),
  '/accents': (res) => res.end('é'.repeat(3000)),
  '/nul': (res) => res.end('a\u0000b'),
  '/endless': (res) => {
    // Writes until the client hangs up; finishing at all proves the reader stops early.
    const chunk = 'z'.repeat(16 * 1024);
    const write = () => {
      while (!res.destroyed && res.write(chunk));
      if (!res.destroyed) res.once('drain', write);
    };
    res.writeHead(200);
    write();
  },
  '/never': (res) => {
    held.push(res);
  },
  '/headers-then-stall': (res) => {
    res.writeHead(200);
    res.write('partial');
    held.push(res);
  },
};

let server: LocalServer;
const agent = new Agent();

beforeAll(async () => {
  server = await startServer((req, res) => {
    const route = routes[req.url];
    if (route) route(res);
    else res.writeHead(404).end();
  });
});
afterAll(async () => {
  for (const res of held) res.destroy();
  await agent.close();
  await server.close();
});

function attempt(path: string, overrides: Partial<AttemptRequest> = {}) {
  return sendAttempt({
    url: `${server.origin}${path}`,
    headers: { 'webhook-id': 'evt_1' },
    body: '{"type":"CustomerRegistered"}',
    timeoutMs: 10_000,
    dispatcher: agent,
    now,
    ...overrides,
  });
}

describe('sendAttempt', () => {
  it('posts the body as JSON with the given headers', async () => {
    const result = await attempt('/ok', { headers: { 'Webhook-Id': 'evt_1', 'Content-Type': 'text/plain', 'x-custom': 'yes' } });
    expect(result).toMatchObject({ statusCode: 200, responseBody: 'thanks', error: null, errorKind: null, retryAfterSeconds: null });
    expect(result.durationMs).toBeGreaterThanOrEqual(0);
    const received = server.received.at(-1)!;
    expect(received.method).toBe('POST');
    expect(received.body).toBe('{"type":"CustomerRegistered"}');
    expect(received.headers['content-type']).toBe('application/json');
    expect(received.headers['webhook-id']).toBe('evt_1');
    expect(received.headers['x-custom']).toBe('yes');
  });

  it('returns non-2xx statuses as they are', async () => {
    expect(await attempt('/created')).toMatchObject({ statusCode: 201, responseBody: '' });
    expect(await attempt('/gone')).toMatchObject({ statusCode: 410, responseBody: 'gone for good', error: null });
    expect(await attempt('/missing')).toMatchObject({ statusCode: 404 });
  });

  it('does not follow redirects', async () => {
    const before = server.received.length;
    const result = await attempt('/redirect');
    expect(result.statusCode).toBe(302);
    expect(server.received.slice(before).map((r) => r.url)).toEqual(['/redirect']);
  });

  it('reads Retry-After as seconds or as a date relative to now', async () => {
    expect(await attempt('/busy')).toMatchObject({ statusCode: 429, retryAfterSeconds: 120 });
    expect(await attempt('/busy-until')).toMatchObject({ statusCode: 503, retryAfterSeconds: 600 });
    expect(await attempt('/busy-nonsense')).toMatchObject({ statusCode: 503, retryAfterSeconds: null });
  });

  it('keeps 4 KiB of the response body by default, or the given limit', async () => {
    expect((await attempt('/big')).responseBody).toBe('a'.repeat(4096));
    expect((await attempt('/big', { maxResponseBytes: 10 })).responseBody).toBe('a'.repeat(10));
  });

  it('does not keep a character cut in half by the limit', async () => {
    const result = await attempt('/accents', { maxResponseBytes: 4095 });
    expect(result.responseBody).toBe('é'.repeat(2047));
  });

  it('replaces NUL, which PostgreSQL text columns refuse', async () => {
    expect((await attempt('/nul')).responseBody).toBe('a\uFFFDb');
  });

  it('stops reading a huge or endless body', async () => {
    expect(await attempt('/huge')).toMatchObject({ statusCode: 200, responseBody: 'b'.repeat(4096) });
    expect(await attempt('/endless')).toMatchObject({ statusCode: 200, responseBody: 'z'.repeat(4096) });
    // The connection pool is still usable afterwards.
    expect(await attempt('/ok')).toMatchObject({ statusCode: 200 });
  });

  it('times out when no response comes', async () => {
    const result = await attempt('/never', { timeoutMs: 100 });
    expect(result).toMatchObject({ statusCode: null, errorKind: 'timeout', responseBody: '' });
    expect(result.error).toMatch(/timeout: no response within 100 ms/);
  });

  it('keeps the status when the body stalls past the timeout', async () => {
    const result = await attempt('/headers-then-stall', { timeoutMs: 100 });
    expect(result).toMatchObject({ statusCode: 200, responseBody: 'partial', error: null });
  });

  it('reports a refused connection', async () => {
    const port = await closedPort();
    const result = await sendAttempt({
      url: `http://127.0.0.1:${port}/`,
      headers: {},
      body: '{}',
      timeoutMs: 10_000,
      dispatcher: agent,
      now,
    });
    expect(result).toMatchObject({ statusCode: null, errorKind: 'connection-refused' });
    expect(result.error).toMatch(/^connection refused: /);
  });

  it('reports a refused address from the guarded agent', async () => {
    const guarded = createGuardedAgent({});
    try {
      const result = await attempt('/ok', { dispatcher: guarded });
      expect(result).toMatchObject({ statusCode: null, errorKind: 'address-refused' });
      expect(result.error).toMatch(/127\.0\.0\.1.*loopback/);
    } finally {
      await guarded.close();
    }
  });

  it('reports a DNS failure', async () => {
    const guarded = createGuardedAgent({ resolver: async () => [] });
    try {
      const result = await attempt('/ok', { url: 'http://hooks.example.invalid/', dispatcher: guarded });
      expect(result).toMatchObject({ statusCode: null, errorKind: 'dns' });
    } finally {
      await guarded.close();
    }
  });

  it.each(['not a url', 'ftp://example.com/hook', 'file:///etc/passwd'])('refuses %j without throwing', async (url) => {
    expect(await attempt('/ok', { url })).toMatchObject({ statusCode: null, errorKind: 'invalid-url' });
  });
});

/** A port that was just free: nothing listens on it, so connecting is refused. */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}
