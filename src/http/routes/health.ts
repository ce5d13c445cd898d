import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { pendingMigrations } from '../../storage/migrate.ts';
import type { ServiceContext } from '../../services/context.ts';

export const healthRoutes: FastifyPluginAsyncTypebox<{ ctx: ServiceContext }> = async (app, { ctx }) => {
  const Status = Type.Object({ status: Type.String(), detail: Type.Optional(Type.String()) });

  // Liveness: the process answers. Nothing else, so a slow database does not get it killed.
  app.get('/healthz', { config: { auth: 'none' }, schema: { tags: ['operations'], response: { 200: Status } } },
    async () => ({ status: 'ok' }));

  // Readiness: the database answers and the schema is current.
  app.get('/readyz', { config: { auth: 'none' }, schema: { tags: ['operations'], response: { 200: Status, 503: Status } } },
    async (_request, reply) => {
      try {
        await ctx.db.query('SELECT 1');
        const pending = await pendingMigrations(ctx.db);
        if (pending.length > 0) return reply.code(503).send({ status: 'unready', detail: `${pending.length} migrations pending` });
        return { status: 'ready' };
      } catch (error) {
        return reply.code(503).send({ status: 'unready', detail: 'database unreachable' });
      }
    });
};
