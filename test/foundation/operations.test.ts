import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/http/app.ts';
import { createLogger } from '../../src/runtime/logger.ts';
import { startHarness, type Harness } from '../support/harness.ts';
import { expectProblem } from './helpers.ts';

/** Operations: health, readiness, metrics, request ids, logs, the API description. */

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h?.close());

const metricValue = (text: string, line: string) => {
  const found = text.split('\n').find((l) => l.startsWith(line + ' '));
  return found ? Number(found.slice(line.length + 1)) : 0;
};

describe('health', () => {
  it('GET /healthz answers without a key', async () => {
    const res = await h.call('GET', '/healthz', { key: '' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok' });
  });

  it('GET /readyz is ready when the database answers and the schema is current', async () => {
    const res = await h.call('GET', '/readyz', { key: '' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ready' });
  });

  it('GET /readyz is unready (503) while a migration is pending', async () => {
    const [row] = await h.db.query(`SELECT version, name, applied_at FROM schema_migrations WHERE version = 1`);
    await h.db.query(`DELETE FROM schema_migrations WHERE version = 1`);
    try {
      const res = await h.call('GET', '/readyz', { key: '' });
      expect(res.statusCode).toBe(503);
      expect(res.json()).toMatchObject({ status: 'unready', detail: expect.stringMatching(/pending/) });
    } finally {
      await h.db.query(`INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)`, [row.version, row.name, row.applied_at]);
    }
    expect((await h.call('GET', '/readyz', { key: '' })).statusCode).toBe(200);
  });
});

describe('metrics', () => {
  it('GET /metrics counts requests by route and status, in Prometheus text format', async () => {
    const before = await h.call('GET', '/metrics', { key: '' });
    expect(before.statusCode).toBe(200);
    expect(before.headers['content-type']).toMatch(/^text\/plain/);
    const line = 'punchcard_http_requests_total{method="GET",route="/v1/programs/:programId",status="404"}';
    const start = metricValue(before.body, line);

    await h.call('GET', '/v1/programs/019c0000-0000-7000-8000-000000000000');
    await h.call('GET', '/v1/programs/019c0000-0000-7000-8000-000000000001');
    const after = await h.call('GET', '/metrics', { key: '' });
    expect(after.body).toContain('# TYPE punchcard_http_requests_total counter');
    expect(metricValue(after.body, line)).toBe(start + 2);
    expect(after.body).toContain('punchcard_http_request_duration_seconds_bucket');
    expect(after.body).toMatch(/process_cpu_seconds_total|nodejs_/); // default process metrics
    // Route templates, not raw URLs: ids never become label values.
    expect(after.body).not.toContain('019c0000-0000-7000-8000-000000000000');
  });
});

describe('request ids', () => {
  it('echoes the x-request-id the caller sent', async () => {
    const res = await h.call('GET', '/healthz', { key: '', headers: { 'x-request-id': 'trace-abc-123' } });
    expect(res.headers['x-request-id']).toBe('trace-abc-123');
  });

  it('makes one up when none is sent, different for each request', async () => {
    const one = await h.call('GET', '/healthz', { key: '' });
    const two = await h.call('GET', '/healthz', { key: '' });
    expect(one.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(two.headers['x-request-id']).not.toBe(one.headers['x-request-id']);
  });

  it('is on refusals too, and bounded in length', async () => {
    const res = await h.call('GET', '/v1/programs', { key: 'wrong', headers: { 'x-request-id': 'r'.repeat(500) } });
    expectProblem(res, 401);
    expect(res.headers['x-request-id']).toBe('r'.repeat(100));
  });

  it('logs are JSON lines carrying the request id, one access line per request, and never the API key', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(...chunk.toString().split('\n').filter(Boolean));
        done();
      },
    });
    const app = await buildApp({ ctx: h.ctx, scheduler: h.scheduler, logger: createLogger('info', sink) });
    try {
      const res = await app.inject({
        method: 'POST',
        url: '/v1/programs',
        headers: { authorization: `Bearer ${h.adminKey}`, 'x-request-id': 'logged-request' },
        payload: { name: 'Logged' },
      });
      expect(res.statusCode).toBe(201);
    } finally {
      await app.close();
    }
    const entries = lines.map((l) => JSON.parse(l));
    const ours = entries.filter((e) => e.reqId === 'logged-request');
    expect(ours).toHaveLength(1);
    expect(ours[0]).toMatchObject({
      level: 30, msg: 'request completed', req: { method: 'POST', url: '/v1/programs' }, res: { statusCode: 201 },
    });
    expect(typeof ours[0].responseTime).toBe('number');
    expect(typeof ours[0].req.remoteAddress).toBe('string');
    expect(lines.join('\n')).not.toContain(h.adminKey);
  });
});

describe('API description', () => {
  it('GET /openapi.json is OpenAPI 3.1 and lists the routes with their schemas', async () => {
    const res = await h.call('GET', '/openapi.json', { key: '' });
    expect(res.statusCode).toBe(200);
    const doc = res.json();
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.info.title).toBe('Punchcard API');
    const expected: [string, string][] = [
      ['/v1/programs', 'post'], ['/v1/programs', 'get'], ['/v1/programs/{programId}', 'get'], ['/v1/programs/{programId}', 'patch'],
      ['/v1/programs/{programId}/keys', 'post'], ['/v1/programs/{programId}/keys', 'get'], ['/v1/admin-keys', 'post'],
      ['/v1/admin-keys', 'get'], ['/v1/keys/{keyId}', 'delete'], ['/v1/programs/{programId}/clock/advance', 'post'],
      ['/healthz', 'get'], ['/readyz', 'get'],
    ];
    for (const [path, method] of expected) expect(doc.paths[path]?.[method], `${method} ${path}`).toBeDefined();
    const create = doc.paths['/v1/programs'].post;
    expect(create.requestBody.content['application/json'].schema.required).toContain('name');
    expect(Object.keys(create.responses)).toEqual(expect.arrayContaining(['201', '400', '401', '403', '422']));
    expect(doc.components.securitySchemes.apiKey).toMatchObject({ type: 'http', scheme: 'bearer' });
    // Internal routes are not advertised.
    expect(doc.paths['/metrics']).toBeUndefined();
  });

  it('GET /docs serves a human API reference page', async () => {
    const res = await h.call('GET', '/docs', { key: '' });
    const page = res.statusCode === 302 ? await h.call('GET', res.headers.location as string, { key: '' }) : res;
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.body).toMatch(/<html/i);
  });
});
