import { expect } from 'vitest';
import { validateEventBody } from '../../src/events/catalog.ts';
import type { Harness } from '../support/harness.ts';
import { startReceiver, type Receiver } from '../support/receiver.ts';

const receivers: Receiver[] = [];
export const closeReceivers = () => Promise.all(receivers.splice(0).map((r) => r.close()));

/** A program with a points definition, an endpoint catching every event, and helpers to act and read. */
export async function ledgerProgram(h: Harness, definition: Record<string, unknown> = {}) {
  const program = await h.newProgram('Ledger Club', { timezone: 'Europe/Paris' });
  const receiver: Receiver = await startReceiver();
  receivers.push(receiver);
  const endpoint = await h.call('POST', '/v1/webhook-endpoints', { key: program.key, body: { url: `${receiver.url}/in` } });
  expect(endpoint.statusCode).toBe(201);
  const created = await h.call('POST', '/v1/balance-definitions', { key: program.key, body: { name: 'Points', unit: 'points', decimals: 0, ...definition } });
  expect(created.statusCode, created.body).toBe(201);
  const worker = h.newWorker();

  const call = (method: string, url: string, body?: unknown) => h.call(method, url, { key: program.key, body });
  let seen = 0;
  return {
    program,
    definition: created.json(),
    receiver,
    call,
    async member(email: string) {
      const response = await call('POST', '/v1/members', { email });
      expect(response.statusCode, response.body).toBe(201);
      return response.json();
    },
    async credit(memberId: string, amount: number, extra: Record<string, unknown> = {}) {
      return call('POST', '/v1/ledger/transactions', { memberId, kind: 'credit', amount, autoComplete: true, ...extra });
    },
    async debit(memberId: string, amount: number, extra: Record<string, unknown> = {}) {
      return call('POST', '/v1/ledger/transactions', { memberId, kind: 'debit', amount, autoComplete: true, ...extra });
    },
    async balance(memberId: string) {
      const response = await call('GET', `/v1/members/${memberId}/balances`);
      return response.json().data[0];
    },
    /** Delivers what is due and returns the bodies received since the last call, each checked against its schema. */
    async events(): Promise<any[]> {
      await worker.drain();
      const fresh = receiver.received.slice(seen).map((r) => r.json);
      seen = receiver.received.length;
      for (const body of fresh) {
        const name = body.event_name ?? body.type;
        expect(validateEventBody(name, body), name).toEqual({ ok: true });
      }
      return fresh;
    },
    async check() {
      const response = await call('GET', '/v1/ledger/check');
      return response.json();
    },
  };
}

export const names = (events: any[]) => events.map((e) => e.event_name ?? e.type);
