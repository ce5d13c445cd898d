import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { Problem, type FieldIssue } from '../../domain/problem.ts';

/**
 * Every refusal leaves as an RFC 9457 problem naming the field and the reason. Anything that
 * is not a Problem or a Fastify client error is a bug: logged with its stack, answered with a
 * plain 500 that reveals nothing.
 */
export const problemsPlugin = fp(async (app: FastifyInstance) => {
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

/** Turns TypeBox/ajv errors into one issue per offending field, named by its JSON Pointer. */
export function validationIssues(entries: ValidationEntry[], part: string): FieldIssue[] {
  const prefix = part === 'body' ? '' : `${part}.`;
  const issues: FieldIssue[] = [];
  for (const entry of entries) {
    const at = entry.instancePath ?? '';
    if (entry.keyword === 'required') {
      const names = (entry.params?.requiredProperties ?? [entry.params?.missingProperty]) as string[];
      for (const name of names) issues.push({ field: `${prefix}${at}/${name}`, message: 'is required' });
    } else if (entry.keyword === 'additionalProperties') {
      const names = (entry.params?.additionalProperties ?? [entry.params?.additionalProperty]) as string[];
      for (const name of names) issues.push({ field: `${prefix}${at}/${name}`, message: 'is not a known field' });
    } else if (entry.keyword === 'boolean' && entry.schemaPath?.endsWith('additionalProperties')) {
      continue; // reported once by the additionalProperties entry
    } else {
      issues.push({ field: `${prefix}${at || '/'}`, message: entry.message ?? 'is invalid' });
    }
  }
  const seen = new Set<string>();
  return issues.filter((i) => !seen.has(i.field + i.message) && seen.add(i.field + i.message));
}
