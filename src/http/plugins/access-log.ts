import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

/**
 * One access log line per request, when it has been answered: the request id (`reqId`, bound by
 * Fastify), method, URL, host, client address, status and time to answer. Fastify's own request
 * logging (turned off in app.ts) writes two lines per request, one when it arrives and one when
 * it is answered; on the ledger's busiest path that cost the server an eighth of its CPU (bench:ledger with
 * REQUEST_LOG=info, V8 profile).
 */
export const accessLogPlugin = fp(async (app: FastifyInstance) => {
  app.addHook('onResponse', async (request, reply) => {
    // Fastify's serializers turn these into { method, url, host, remoteAddress, … } and { statusCode }.
    request.log.info({ req: request, res: reply, responseTime: reply.elapsedTime }, 'request completed');
  });
});
