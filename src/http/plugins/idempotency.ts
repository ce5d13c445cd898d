import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { Problem } from '../../domain/problem.ts';
import type { ServiceContext } from '../../services/context.ts';

/** How long a first answer is replayed for a repeated Idempotency-Key. */
export const idempotencyWindowMs = 24 * 3600 * 1000;
/**
 * A first request still unanswered after this long died with its process (its transaction was
 * rolled back): a repeat with the same body may run it again instead of waiting out the window.
 */
export const abandonedAfterMs = 15 * 60 * 1000;

declare module 'fastify' {
  interface FastifyRequest {
    idempotency: { scope: string; key: string; secret: Buffer } | null;
  }
}

/** JSON with object keys sorted: the same body sent with its fields in another order is the same request. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/**
 * A first answer may hold a secret shown once (a new API key), so records keep neither the
 * Idempotency-Key nor the answer in clear: the key is stored as its SHA-256, the answer sealed
 * with AES-256-GCM under a key derived from the Idempotency-Key, which only the client holds.
 */
const sealingKey = (scope: string, key: string) =>
  createHash('sha256').update(`punchcard idempotency\n${scope}\n${key}`).digest();

function seal(plain: string, secret: Buffer): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', secret, iv);
  const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64');
}

function unseal(sealed: string, secret: Buffer): string {
  const bytes = Buffer.from(sealed, 'base64');
  const decipher = createDecipheriv('aes-256-gcm', secret, bytes.subarray(0, 12));
  decipher.setAuthTag(bytes.subarray(12, 28));
  return Buffer.concat([decipher.update(bytes.subarray(28)), decipher.final()]).toString('utf8');
}

/**
 * `Idempotency-Key` on POSTs that create or move something (`config.idempotent`): the first
 * answer is stored and replayed for a repeat with the same body; a repeat with another body,
 * or while the first is still running, is refused. A 5xx is not stored, so the client can retry.
 */
export const idempotencyPlugin = fp(async (app: FastifyInstance, options: { ctx: ServiceContext }) => {
  const { db, clock } = options.ctx;
  app.decorateRequest('idempotency', null);

  app.addHook('preHandler', async (request, reply) => {
    if (!request.routeOptions.config.idempotent) return;
    const presented = request.headers['idempotency-key'];
    if (presented === undefined) return;
    if (typeof presented !== 'string' || presented.length < 1 || presented.length > 255) {
      throw new Problem(400, 'invalid-request', 'Invalid request', 'Idempotency-Key must be 1 to 255 characters',
        [{ field: 'header.idempotency-key', message: 'must be 1 to 255 characters' }]);
    }
    // A member session has no principal: its keys are the member's own.
    const scope = request.memberId ? `member:${request.memberId}`
      : request.principal.kind === 'program' ? `program:${request.principal.programId}` : 'admin';
    const key = createHash('sha256').update(presented).digest('hex');
    const secret = sealingKey(scope, presented);
    const hash = createHash('sha256')
      .update(`${request.method} ${request.url}\n${request.programId}\n${canonicalJson(request.body ?? null)}`)
      .digest('hex');
    const now = clock.now();
    const claimed = await db.query(
      `INSERT INTO idempotency_records (scope, key, request_hash, created_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT (scope, key) DO UPDATE
         SET request_hash = EXCLUDED.request_hash, created_at = EXCLUDED.created_at,
             status_code = NULL, response_body = NULL
         WHERE idempotency_records.created_at < $5
            OR (idempotency_records.status_code IS NULL AND idempotency_records.created_at < $6
                AND idempotency_records.request_hash = EXCLUDED.request_hash)
       RETURNING key`,
      [scope, key, hash, now, new Date(now.getTime() - idempotencyWindowMs), new Date(now.getTime() - abandonedAfterMs)],
    );
    if (claimed.length === 1) {
      request.idempotency = { scope, key, secret };
      return;
    }
    const [first] = await db.query<{ requestHash: string; statusCode: number | null; responseBody: string | null }>(
      `SELECT request_hash AS "requestHash", status_code AS "statusCode", response_body AS "responseBody"
       FROM idempotency_records WHERE scope = $1 AND key = $2`,
      [scope, key],
    );
    if (first.requestHash !== hash) {
      throw new Problem(422, 'idempotency-key-reused', 'Idempotency key reused',
        'this Idempotency-Key was used with another request; use a new key for a new request',
        [{ field: 'header.idempotency-key', message: 'was used with another request body' }]);
    }
    if (first.statusCode === null) {
      throw new Problem(409, 'idempotency-key-in-use', 'Request in progress',
        'the first request with this Idempotency-Key is still running; retry later',
        [{ field: 'header.idempotency-key', message: 'is in use by a running request' }]);
    }
    reply.header('idempotent-replayed', 'true');
    const type = first.statusCode >= 400 ? 'application/problem+json' : 'application/json; charset=utf-8';
    return reply.code(first.statusCode).type(type).send(unseal(first.responseBody!, secret));
  });

  app.addHook('onSend', async (request, reply, payload) => {
    const record = request.idempotency;
    if (!record) return payload;
    request.idempotency = null;
    if (reply.statusCode >= 500) {
      await db.query(`DELETE FROM idempotency_records WHERE scope = $1 AND key = $2`, [record.scope, record.key]);
    } else {
      await db.query(
        `UPDATE idempotency_records SET status_code = $3, response_body = $4 WHERE scope = $1 AND key = $2`,
        [record.scope, record.key, reply.statusCode,
          seal(typeof payload === 'string' ? payload : JSON.stringify(payload), record.secret)],
      );
    }
    return payload;
  });
});
