import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { Problem, forbidden } from '../../domain/problem.ts';
import { authenticate } from '../../services/api-keys.ts';
import { authenticateMember } from '../../services/members/self-service.ts';
import type { Principal, ServiceContext } from '../../services/context.ts';

/**
 * Who may call a route, declared in its `config.auth`:
 * - `admin`: an admin key only;
 * - `any`: any valid key (the service checks program access);
 * - `program`: a program's resources; a program key acts on its own program, an admin key
 *   names the program in the `Punchcard-Program` header;
 * - `member`: a member's own session token (member self-service);
 * - `none`: public (health, metrics, the API reference, member login).
 */
export type AuthLevel = 'admin' | 'any' | 'program' | 'member' | 'none';

declare module 'fastify' {
  interface FastifyContextConfig {
    auth?: AuthLevel;
    idempotent?: boolean;
  }
  interface FastifyRequest {
    principal: Principal;
    /** Set on `program` and `member` routes: the program the call acts on. */
    programId: string;
    /** Set on `member` routes: the logged-in member. */
    memberId: string;
  }
}

const unauthorized = (detail: string) => new Problem(401, 'unauthorized', 'Unauthorized', detail);
const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export const authPlugin = fp(async (app: FastifyInstance, options: { ctx: ServiceContext }) => {
  app.decorateRequest('principal', null as never);
  app.decorateRequest('programId', '');
  app.decorateRequest('memberId', '');

  app.addHook('onRequest', async (request: FastifyRequest) => {
    const level = request.routeOptions.config.auth ?? 'none';
    if (level === 'none') return;
    const header = request.headers.authorization;
    const match = header?.match(/^Bearer\s+(\S+)$/i);
    if (!match) throw unauthorized('send an API key as "Authorization: Bearer <key>"');
    if (level === 'member') {
      const session = await authenticateMember(options.ctx, match[1]);
      if (!session) throw unauthorized('the member session is unknown, expired or ended; log in again');
      request.programId = session.programId;
      request.memberId = session.memberId;
      return;
    }
    const principal = await authenticate(options.ctx, match[1]);
    if (!principal) throw unauthorized('the API key is unknown or revoked');
    request.principal = principal;

    if (level === 'admin' && principal.kind !== 'admin') throw forbidden('this operation needs an admin key');
    if (level === 'program') {
      // UUIDs compare case-insensitively (PostgreSQL reads both cases as the same id).
      const programHeader = request.headers['punchcard-program'];
      const named = typeof programHeader === 'string' ? programHeader.toLowerCase() : programHeader;
      if (principal.kind === 'program') {
        if (named !== undefined && named !== principal.programId) throw forbidden('this key belongs to another program');
        request.programId = principal.programId;
      } else {
        if (typeof named !== 'string' || !uuidPattern.test(named)) {
          throw new Problem(400, 'invalid-request', 'Invalid request',
            'an admin key acting on a program must name it in the Punchcard-Program header',
            [{ field: 'header.punchcard-program', message: 'is required with an admin key and must be a program id' }]);
        }
        request.programId = named;
      }
    }
  });
});
