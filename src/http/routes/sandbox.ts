import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Scheduler } from '../../scheduler/scheduler.ts';
import type { ServiceContext } from '../../services/context.ts';
import { advanceProgramClock } from '../../services/sandbox.ts';
import { ProgramParams, problemResponses } from '../schemas/common.ts';
import { ClockAdvance, ClockAdvanced } from '../schemas/programs.ts';

export const sandboxRoutes: FastifyPluginAsyncTypebox<{ ctx: ServiceContext; scheduler: Scheduler }> = async (
  app,
  { ctx, scheduler },
) => {
  app.post('/v1/programs/:programId/clock/advance', {
    config: { auth: 'any', idempotent: true },
    schema: {
      tags: ['sandbox'],
      summary: "Move a program's clock forward and run the work that falls due (sandbox mode only)",
      params: ProgramParams,
      body: ClockAdvance,
      response: { 200: ClockAdvanced, ...problemResponses },
    },
  }, async (request) => advanceProgramClock(ctx, scheduler, request.principal, request.params.programId, request.body));
};
