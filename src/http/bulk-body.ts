import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Problem } from '../domain/problem.ts';

export const bulkBodyLimit = 64 * 1024 * 1024;

/** Bulk files arrive as text; each line is validated by the import itself. */
export function acceptBulkBodies(app: Pick<FastifyInstance, 'addContentTypeParser'>): void {
  app.addContentTypeParser(['application/x-ndjson', 'application/jsonl', 'text/csv'], { parseAs: 'string', bodyLimit: bulkBodyLimit },
    (_request, body, done) => done(null, body));
}

/** The text and format of a bulk request: JSON lines or CSV; anything else is refused (415). */
export function bulkBody(request: FastifyRequest): { text: string; format: 'jsonl' | 'csv' } {
  if (typeof request.body !== 'string') {
    throw new Problem(415, 'unsupported-media-type', 'Unsupported media type', 'send application/x-ndjson or text/csv',
      [{ field: 'header.content-type', message: 'must be application/x-ndjson or text/csv' }]);
  }
  return { text: request.body, format: (request.headers['content-type'] ?? '').startsWith('text/csv') ? 'csv' : 'jsonl' };
}
