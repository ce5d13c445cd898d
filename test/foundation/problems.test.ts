import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { problemsPlugin } from '../../src/http/plugins/problems.ts';
import { expectProblem } from './helpers.ts';

/** How errors that are not Problems leave: a transaction the database aborted is a retryable 503, anything else a 500. */

const app = Fastify({ logger: false });
beforeAll(async () => {
  await app.register(problemsPlugin);
  // What node-postgres throws when PostgreSQL aborts a transaction: an Error carrying the SQLSTATE.
  const databaseError = (code: string) => Object.assign(new Error(`database error ${code}`), { code, severity: 'ERROR' });
  app.get('/deadlock', async () => { throw databaseError('40P01'); });
  app.get('/serialization', async () => { throw databaseError('40001'); });
  app.get('/bug', async () => { throw databaseError('23505'); });
  await app.ready();
});
afterAll(() => app.close());

describe('errors that are not problems', () => {
  it('a deadlock or a serialisation failure answers 503 with Retry-After: nothing was changed, retry', async () => {
    for (const url of ['/deadlock', '/serialization']) {
      const res = await app.inject({ method: 'GET', url });
      const problem = expectProblem(res, 503);
      expect(problem.type).toBe('/problems/concurrent-change');
      expect(res.headers['retry-after']).toBe('1');
      expect(problem.detail).not.toContain('database error');
    }
  });

  it('any other error is a 500 that reveals nothing', async () => {
    const res = await app.inject({ method: 'GET', url: '/bug' });
    const problem = expectProblem(res, 500);
    expect(problem.type).toBe('/problems/internal');
    expect(res.headers['retry-after']).toBeUndefined();
    expect(res.body).not.toContain('23505');
  });
});
