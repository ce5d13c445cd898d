import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { generateSecret, signatureHeader, webhookHeaders } from '../../src/delivery/signing.ts';

// standardwebhooks refuses timestamps more than 5 minutes from its own clock, so these use real time.
const nowSeconds = () => Math.floor(Date.now() / 1000);
const body = JSON.stringify({ type: 'CustomerRegistered', timestamp: '2026-01-01T00:00:00.000Z', data: { name: 'Zoë' } });

describe('generateSecret', () => {
  it('is whsec_ and the base64 of 32 random bytes', () => {
    const secret = generateSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(secret.slice('whsec_'.length), 'base64')).toHaveLength(32);
    expect(generateSecret()).not.toBe(secret);
  });

  it('is accepted by the official library', () => {
    expect(() => new Webhook(generateSecret())).not.toThrow();
  });
});

describe('signatureHeader', () => {
  it('matches the Standard Webhooks reference example', () => {
    expect(
      signatureHeader(['whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'], 'msg_p5jXN8AQM9LWM0D4loKWxJek', 1614265330, '{"test": 2432232314}'),
    ).toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
  });

  it('signs as the official library does, one signature per secret', () => {
    const [a, b] = [generateSecret(), generateSecret()];
    const at = new Date(1_767_225_600_000);
    const header = signatureHeader([a, b], 'evt_1', at.getTime() / 1000, body);
    expect(header).toBe(`${new Webhook(a).sign('evt_1', at, body)} ${new Webhook(b).sign('evt_1', at, body)}`);
  });

  it('refuses no secret, a secret without the prefix and a fractional timestamp', () => {
    expect(() => signatureHeader([], 'evt_1', 1, body)).toThrow(/at least one/);
    expect(() => signatureHeader(['MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'], 'evt_1', 1, body)).toThrow(/whsec_/);
    expect(() => signatureHeader(['whsec_not base64!'], 'evt_1', 1, body)).toThrow(/base64/);
    expect(() => signatureHeader([generateSecret()], 'evt_1', 1.5, body)).toThrow(/whole seconds/);
  });
});

describe('webhookHeaders', () => {
  const previous = generateSecret();
  const current = generateSecret();

  it('verifies with either secret during a rotation', () => {
    const headers = webhookHeaders([current, previous], 'evt_01JABC', nowSeconds(), body);
    expect(headers['webhook-id']).toBe('evt_01JABC');
    expect(headers['webhook-signature'].split(' ')).toHaveLength(2);
    expect(new Webhook(current).verify(body, headers)).toEqual(JSON.parse(body));
    expect(new Webhook(previous).verify(body, headers)).toEqual(JSON.parse(body));
  });

  it('fails verification with another secret', () => {
    const headers = webhookHeaders([current, previous], 'evt_01JABC', nowSeconds(), body);
    expect(() => new Webhook(generateSecret()).verify(body, headers)).toThrow();
  });

  it('fails verification when the body, timestamp or id is tampered with', () => {
    const headers = webhookHeaders([current, previous], 'evt_01JABC', nowSeconds(), body);
    const tamperedBody = body.replace('Zoë', 'Zoe');
    const laterTimestamp = { ...headers, 'webhook-timestamp': String(Number(headers['webhook-timestamp']) + 1) };
    const otherId = { ...headers, 'webhook-id': 'evt_01JABD' };
    for (const secret of [current, previous]) {
      expect(() => new Webhook(secret).verify(tamperedBody, headers)).toThrow();
      expect(() => new Webhook(secret).verify(body, laterTimestamp)).toThrow();
      expect(() => new Webhook(secret).verify(body, otherId)).toThrow();
    }
  });

  it('carries the given timestamp, so a stale attempt is refused by receivers', () => {
    const stale = nowSeconds() - 3600;
    const headers = webhookHeaders([current], 'evt_1', stale, body);
    expect(headers['webhook-timestamp']).toBe(String(stale));
    expect(() => new Webhook(current).verify(body, headers)).toThrow(/too old/i);
  });
});
