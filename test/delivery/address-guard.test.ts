import type { LookupAddress } from 'node:dns';
import { request } from 'undici';
import type { Agent } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AddressRefusedError, createGuardedAgent } from '../../src/delivery/address-guard.ts';
import type { Resolver } from '../../src/delivery/address-guard.ts';
import { ipv6LoopbackAvailable, startServer } from './local-server.ts';
import type { LocalServer } from './local-server.ts';

const ipv6 = await ipv6LoopbackAvailable();
let server: LocalServer;
const agents: Agent[] = [];

beforeAll(async () => {
  server = await startServer((_req, res) => res.end('received'));
});
afterAll(() => server.close());
afterEach(async () => {
  await Promise.all(agents.splice(0).map((agent) => agent.close()));
});

function agent(options: Parameters<typeof createGuardedAgent>[0]): Agent {
  const created = createGuardedAgent(options);
  agents.push(created);
  return created;
}

async function post(url: string, dispatcher: Agent): Promise<string> {
  const response = await request(url, { method: 'POST', body: '{}', dispatcher });
  return response.body.text();
}

async function refusal(promise: Promise<unknown>): Promise<AddressRefusedError> {
  const error = await promise.then(
    () => null,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(AddressRefusedError);
  return error as AddressRefusedError;
}

/** A DNS server that answers what the test says, in order, one answer per lookup. */
function scriptedResolver(...answers: string[][]): Resolver & { calls: string[] } {
  const calls: string[] = [];
  const resolver = async (hostname: string): Promise<LookupAddress[]> => {
    calls.push(hostname);
    const answer = answers[Math.min(calls.length, answers.length) - 1] ?? [];
    return answer.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
  return Object.assign(resolver, { calls });
}

describe('literal IP URLs', () => {
  it('refuses loopback without an allow list', async () => {
    const before = server.received.length;
    const error = await refusal(post(`${server.origin}/hook`, agent({})));
    expect(error.address).toBe('127.0.0.1');
    expect(error.reason).toBe('loopback');
    expect(error.code).toBe('PUNCHCARD_ADDRESS_REFUSED');
    expect(error.message).toMatch(/127\.0\.0\.1.*loopback/);
    expect(server.received).toHaveLength(before);
  });

  it('connects when the range is allowed', async () => {
    expect(await post(`${server.origin}/hook`, agent({ allow: ['127.0.0.0/8'] }))).toBe('received');
  });

  it('refuses an allowed family but another range', async () => {
    const error = await refusal(post(`${server.origin}/hook`, agent({ allow: ['10.0.0.0/8', '::1/128'] })));
    expect(error.reason).toBe('loopback');
  });

  it('refuses bracketed IPv6 literals, mapped ones included', async () => {
    const guarded = agent({});
    expect((await refusal(post(`http://[::1]:${server.port}/`, guarded))).reason).toBe('loopback');
    // The URL parser rewrites this one to the hex form ::ffff:7f00:1.
    const mapped = await refusal(post(`http://[::ffff:127.0.0.1]:${server.port}/`, guarded));
    expect(mapped.reason).toBe('loopback');
    expect((await refusal(post(`http://[fd00:ec2::254]/`, guarded))).reason).toBe('metadata');
  });

  it('refuses the metadata address and obfuscated spellings of loopback', async () => {
    const guarded = agent({});
    expect((await refusal(post('http://169.254.169.254/latest/meta-data/', guarded))).reason).toBe('metadata');
    // WHATWG URL parsing turns these into 127.0.0.1 before the agent sees them.
    expect((await refusal(post(`http://2130706433:${server.port}/`, guarded))).address).toBe('127.0.0.1');
    expect((await refusal(post(`http://0x7f.1:${server.port}/`, guarded))).address).toBe('127.0.0.1');
  });

  it.skipIf(!ipv6)('connects to [::1] when ::1/128 is allowed', async () => {
    const v6 = await startServer((_req, res) => res.end('received over IPv6'), '::1');
    try {
      expect(await post(`${v6.origin}/`, agent({ allow: ['::1/128'] }))).toBe('received over IPv6');
    } finally {
      await v6.close();
    }
  });
});

describe('hostnames, checked after resolution', () => {
  it('refuses localhost without an allow list', async () => {
    const before = server.received.length;
    const error = await refusal(post(`http://localhost:${server.port}/hook`, agent({})));
    expect(error.hostname).toBe('localhost');
    expect(error.reason).toBe('loopback');
    expect(error.message).toMatch(/resolved from localhost/);
    expect(server.received).toHaveLength(before);
  });

  it('connects to localhost when loopback is allowed', async () => {
    expect(await post(`http://localhost:${server.port}/hook`, agent({ allow: ['127.0.0.0/8', '::1/128'] }))).toBe(
      'received',
    );
  });

  it('refuses a public-looking name that resolves to a private address', async () => {
    const resolver = scriptedResolver(['127.0.0.1']);
    const error = await refusal(post(`http://hooks.example.com:${server.port}/`, agent({ resolver })));
    expect(error).toMatchObject({ hostname: 'hooks.example.com', address: '127.0.0.1', reason: 'loopback' });
    expect(resolver.calls).toEqual(['hooks.example.com']);
  });

  it('connects only to the allowed addresses of a mixed answer', async () => {
    const resolver = scriptedResolver(['10.0.0.1', '169.254.169.254', '127.0.0.1']);
    const guarded = agent({ resolver, allow: ['127.0.0.0/8'] });
    expect(await post(`http://hooks.example.com:${server.port}/`, guarded)).toBe('received');
    expect(server.received.at(-1)?.headers.host).toBe(`hooks.example.com:${server.port}`);
  });

  it('reports the first refused address when none is left', async () => {
    const resolver = scriptedResolver(['10.0.0.1', '169.254.169.254']);
    const error = await refusal(post(`http://hooks.example.com:${server.port}/`, agent({ resolver })));
    expect(error).toMatchObject({ address: '10.0.0.1', reason: 'private' });
  });

  it('checks again at every new connection, so DNS rebinding is caught', async () => {
    const closing = await startServer((_req, res) => res.writeHead(200, { connection: 'close' }).end('once'));
    try {
      const resolver = scriptedResolver(['127.0.0.1'], ['10.0.0.1']);
      const guarded = agent({ resolver, allow: ['127.0.0.0/8'] });
      expect(await post(`http://rebind.example.com:${closing.port}/`, guarded)).toBe('once');
      const error = await refusal(post(`http://rebind.example.com:${closing.port}/`, guarded));
      expect(error.address).toBe('10.0.0.1');
      expect(resolver.calls).toHaveLength(2);
      expect(closing.received).toHaveLength(1);
    } finally {
      await closing.close();
    }
  });

  it('passes an empty answer on as a DNS failure', async () => {
    const error = await post(`http://nowhere.example.com:${server.port}/`, agent({ resolver: scriptedResolver([]) })).then(
      () => null,
      (thrown: unknown) => thrown,
    );
    expect(error).toMatchObject({ code: 'ENOTFOUND' });
  });
});

describe('createGuardedAgent', () => {
  it('throws on a malformed allow range', () => {
    expect(() => createGuardedAgent({ allow: ['127.0.0.0/40'] })).toThrow(/invalid CIDR range/);
  });
});
