import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { Problem, pointerSegment, type FieldIssue } from '../../domain/problem.ts';

/**
 * Every refusal leaves as an RFC 9457 problem naming the field and the reason. Anything that
 * is not a Problem or a Fastify client error is a bug: logged with its stack, answered with a
 * plain 500 that reveals nothing.
 */
/** deadlock_detected and serialization_failure: the database rolled the transaction back. */
const transientCodes = new Set(['40P01', '40001']);

export const problemsPlugin = fp(async (app: FastifyInstance) => {
  // JSON is the only body the API reads: anything else is refused as 415 before validation.
  app.removeContentTypeParser('text/plain');

  // PostgreSQL text and jsonb cannot hold U+0000, and code that walks free JSON (idempotency
  // hashes, canonical forms, conditions) recurses: refuse both here, naming the field, instead of
  // letting the database or a stack overflow fail the request with a 500.
  app.addHook('preValidation', async (request) => {
    for (const [part, value] of [['body', request.body], ['query', request.query], ['path', request.params]] as const) {
      const found = findUnacceptable(value, '');
      if (found !== null) {
        const field = part === 'body' ? found.at || '/' : `${part}.${found.at.slice(1)}`;
        throw new Problem(400, 'invalid-request', 'Invalid request', `${field}: ${found.message}`, [{ field, message: found.message }]);
      }
    }
  });

  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error instanceof Problem) return sendProblem(request, reply, error);
    if (error.validation) {
      const issues = validationIssues(error.validation, error.validationContext ?? 'body');
      const detail = issues.map((i) => `${i.field}: ${i.message}`).join('; ');
      return sendProblem(request, reply, new Problem(400, 'invalid-request', 'Invalid request', detail, issues));
    }
    if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
      // Fastify's own client errors: malformed JSON, unsupported media type, body too large.
      const field = error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' ? 'header.content-type' : 'body';
      return sendProblem(request, reply, new Problem(error.statusCode, 'invalid-request', 'Invalid request',
        error.message, [{ field, message: error.message }]));
    }
    if (transientCodes.has((error as { code?: string }).code ?? '')) {
      // PostgreSQL aborted the transaction (a deadlock with a concurrent change, or a
      // serialisation failure): nothing was changed, and the same request can simply be retried.
      request.log.warn({ err: error }, 'transaction aborted by a concurrent change');
      reply.header('retry-after', '1');
      return sendProblem(request, reply, new Problem(503, 'concurrent-change', 'Concurrent change',
        'the change met a concurrent one on the same data and was rolled back; nothing was changed, retry it'));
    }
    request.log.error({ err: error }, 'unhandled error');
    return sendProblem(request, reply, new Problem(500, 'internal', 'Internal error',
      'the server failed to handle this request; it has been logged'));
  });

  app.setNotFoundHandler((request, reply) =>
    sendProblem(request, reply, new Problem(404, 'not-found', 'Not found', `no route ${request.method} ${request.url.split('?')[0]}`)));
});

export function sendProblem(request: FastifyRequest, reply: FastifyReply, problem: Problem) {
  return reply
    .code(problem.status)
    .type('application/problem+json')
    .send({
      type: `/problems/${problem.code}`,
      title: problem.title,
      status: problem.status,
      detail: problem.message,
      instance: request.url.split('?')[0],
      ...(problem.errors.length > 0 ? { errors: problem.errors } : {}),
    });
}

interface ValidationEntry {
  keyword?: string;
  instancePath?: string;
  schemaPath?: string;
  params?: Record<string, unknown>;
  message?: string;
}

/** How deep any request body may nest objects and lists; no field of the API needs more. */
export const maxJsonDepth = 64;

/**
 * The JSON Pointer of the first string (value or key) holding U+0000, or of the first object or
 * list nested deeper than maxJsonDepth, with the reason; null when there is none. Walks with its
 * own stack, depth first: a body nested thousands of levels deep must not overflow the call stack.
 */
function findUnacceptable(value: unknown, at: string): { at: string; message: string } | null {
  const nul = 'must not contain the NUL character';
  const stack: { value: unknown; at: string; depth: number; badKey: boolean }[] = [{ value, at, depth: 0, badKey: false }];
  for (let next = stack.pop(); next; next = stack.pop()) {
    if (next.badKey) return { at: next.at, message: nul };
    if (typeof next.value === 'string' && next.value.includes('\u0000')) return { at: next.at, message: nul };
    if (next.value === null || typeof next.value !== 'object') continue;
    if (next.depth === maxJsonDepth) return { at: next.at, message: `nests objects and lists deeper than ${maxJsonDepth} levels` };
    const entries = Object.entries(next.value);
    for (let i = entries.length - 1; i >= 0; i--) {
      const [key, item] = entries[i];
      stack.push({ value: item, at: `${next.at}/${pointerSegment(key)}`, depth: next.depth + 1, badKey: key.includes('\u0000') });
    }
  }
  return null;
}

/** Fastify's validation contexts, named as the fields of a problem name them. */
const partNames: Record<string, string> = { querystring: 'query', params: 'path', headers: 'header' };

/**
 * Turns TypeBox/ajv errors into one issue per offending field: a JSON Pointer for the body
 * (`/settings/timezone`), `query.limit`, `path.programId` or `header.name` for the other parts.
 */
export function validationIssues(entries: ValidationEntry[], part: string): FieldIssue[] {
  const name = (pointer: string) =>
    part === 'body' ? pointer || '/' : `${partNames[part] ?? part}.${pointer.replace(/^\//, '')}`;
  const issues: FieldIssue[] = [];
  for (const entry of entries) {
    const at = entry.instancePath ?? '';
    if (entry.keyword === 'required') {
      const names = (entry.params?.requiredProperties ?? [entry.params?.missingProperty]) as string[];
      for (const missing of names) issues.push({ field: name(`${at}/${missing}`), message: 'is required' });
    } else if (entry.keyword === 'additionalProperties') {
      const names = (entry.params?.additionalProperties ?? [entry.params?.additionalProperty]) as string[];
      for (const unknown of names) issues.push({ field: name(`${at}/${unknown}`), message: 'is not a known field' });
    } else if (entry.keyword === 'boolean' && entry.schemaPath?.endsWith('additionalProperties')) {
      continue; // reported once by the additionalProperties entry
    } else {
      issues.push({ field: name(at), message: entry.message ?? 'is invalid' });
    }
  }
  const seen = new Set<string>();
  return issues.filter((i) => !seen.has(i.field + i.message) && seen.add(i.field + i.message));
}

/**
 * For Fastify's `frameworkErrors` option: errors raised before routing (a malformed
 * percent-encoding in the path, a path parameter over the length limit) leave as problems too,
 * instead of Fastify's own JSON body.
 */
export function frameworkErrors(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 400;
  return sendProblem(request, reply, new Problem(status, 'invalid-request', 'Invalid request', error.message,
    [{ field: 'path', message: error.message }]));
}
