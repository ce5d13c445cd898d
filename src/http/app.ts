import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { TypeBoxValidatorCompiler, registerAjvFormats } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyInstance, type FastifySchemaCompiler } from 'fastify';
import type { TSchema } from 'typebox';
import type { Logger } from 'pino';
import { Registry } from 'prom-client';
import type { Scheduler } from '../scheduler/scheduler.ts';
import type { ServiceContext } from '../services/context.ts';
import { AccessLog } from './access-log.ts';
import { authPlugin } from './plugins/auth.ts';
import { idempotencyPlugin } from './plugins/idempotency.ts';
import { metricsPlugin } from './plugins/metrics.ts';
import { openapiPlugin, openapiWebhooks } from './plugins/openapi.ts';
import { frameworkErrors, problemsPlugin } from './plugins/problems.ts';
import { balanceDefinitionRoutes } from './routes/balance-definitions.ts';
import { healthRoutes } from './routes/health.ts';
import { memberSelfServiceRoutes } from './routes/member-self-service.ts';
import { ledgerRoutes } from './routes/ledger.ts';
import { memberRoutes } from './routes/members.ts';
import { subscriptionRoutes } from './routes/subscriptions.ts';
import { webhookRoutes } from './routes/webhooks.ts';
import { programRoutes } from './routes/programs.ts';
import { rewardRoutes } from './routes/rewards.ts';
import { voucherRoutes } from './routes/vouchers.ts';
import { sandboxRoutes } from './routes/sandbox.ts';
import { purchaseRoutes } from './routes/purchases.ts';
import { campaignRoutes } from './routes/campaigns.ts';
import { tierRoutes } from './routes/tiers.ts';
import { ProblemSchema } from './schemas/common.ts';

registerAjvFormats();

/**
 * TypeBox validation (bodies are checked as sent, query and path values converted). A POST sent
 * without a body is checked as `{}`: routes whose fields are all optional accept it, the others
 * answer which fields are required.
 */
const validatorCompiler: FastifySchemaCompiler<TSchema> = (route) => {
  const validate = TypeBoxValidatorCompiler(route);
  if (route.httpPart === 'body') return (value) => validate(value === undefined || value === null ? {} : value);
  // TypeBox's conversion would make `?limit=2.5` 2 and `?limit=true` 1: an integer in a query or
  // a path must be written as one.
  const integers = Object.entries((route.schema as { properties?: Record<string, { type?: string }> }).properties ?? {})
    .filter(([, property]) => property.type === 'integer').map(([name]) => name);
  if (integers.length === 0) return validate;
  return (value) => {
    const given = (value ?? {}) as Record<string, unknown>;
    const wrong = integers.filter((name) => typeof given[name] === 'string' && !/^-?\d+$/.test(given[name] as string));
    if (wrong.length === 0) return validate(value);
    return { error: wrong.map((name) => ({ keyword: 'type', instancePath: `/${name}`, schemaPath: `#/properties/${name}/type`,
      params: { type: 'integer' }, message: 'must be integer' })) as never };
  };
};

export interface AppOptions {
  ctx: ServiceContext;
  scheduler: Scheduler;
  logger?: Logger | false;
  registry?: Registry;
  /** Fastify's trustProxy: whose X-Forwarded-For gives the client address (default: nobody's). */
  trustProxy?: boolean | number | string[];
}

/** The HTTP API: thin routes over the application services. */
export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const { ctx, scheduler } = options;
  const app = Fastify({
    // A hop count trusts that many proxies from the front (what proxy-addr does for a number).
    trustProxy: typeof options.trustProxy === 'number'
      ? ((hops: number) => (_address: string, hop: number) => hop < hops)(options.trustProxy)
      : options.trustProxy ?? false,
    loggerInstance: options.logger || undefined,
    logger: options.logger === undefined ? false : undefined,
    logController: new AccessLog(),
    genReqId: (request) => (request.headers['x-request-id'] as string | undefined)?.slice(0, 100) || crypto.randomUUID(),
    requestIdHeader: false,
    bodyLimit: 1024 * 1024,
    ajv: { customOptions: { coerceTypes: false } },
    return503OnClosing: true,
    // Malformed URLs and the like never reach the error handler: answer them as problems too.
    frameworkErrors,
  }).withTypeProvider<TypeBoxTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });

  app.addSchema(ProblemSchema);
  await app.register(problemsPlugin);
  await app.register(openapiPlugin, { webhooks: openapiWebhooks() });
  await app.register(metricsPlugin, { registry: options.registry ?? new Registry() });
  await app.register(authPlugin, { ctx });
  await app.register(idempotencyPlugin, { ctx });

  await app.register(healthRoutes, { ctx });
  await app.register(programRoutes, { ctx });
  await app.register(sandboxRoutes, { ctx, scheduler });
  await app.register(webhookRoutes, { ctx });
  await app.register(memberRoutes, { ctx });
  await app.register(memberSelfServiceRoutes, { ctx });
  await app.register(subscriptionRoutes, { ctx });
  await app.register(balanceDefinitionRoutes, { ctx });
  await app.register(ledgerRoutes, { ctx });
  await app.register(purchaseRoutes, { ctx });
  await app.register(campaignRoutes, { ctx });
  await app.register(rewardRoutes, { ctx });
  await app.register(voucherRoutes, { ctx });
  await app.register(tierRoutes, { ctx });
  return app as unknown as FastifyInstance;
}
