import { mkdir } from 'node:fs/promises';
import type { Logger } from 'pino';
import { systemClock, type Clock } from '../clock/clock.ts';
import type { Config } from '../config/config.ts';
import { DeliveryWorker } from '../delivery/worker.ts';
import { buildApp } from '../http/app.ts';
import { Scheduler } from '../scheduler/scheduler.ts';
import { registerJobHandlers } from '../scheduler/handlers.ts';
import { issueBootstrapAdminKey } from '../services/api-keys.ts';
import type { ServiceContext } from '../services/context.ts';
import type { Db } from '../storage/db.ts';
import { resolveSealingKey } from '../security/encryption-key.ts';
import { migrate } from '../storage/migrate.ts';
import { openDb } from '../storage/open.ts';

export interface RunningProcess {
  url: string | null;
  stop(): Promise<void>;
}

export async function openConfiguredDb(config: Config): Promise<Db> {
  if (!config.databaseUrl) await mkdir(config.dataDir, { recursive: true });
  return openDb({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
}

/**
 * One process runs the roles it is given: the API, the delivery worker, the scheduler.
 * By default all three, on one embedded database: zero set-up.
 */
export async function startProcess(config: Config, logger: Logger, clock: Clock = systemClock): Promise<RunningProcess> {
  // Before the database opens: a missing or malformed key stops the start with nothing to undo.
  if (!config.databaseUrl) await mkdir(config.dataDir, { recursive: true });
  const sealKey = await resolveSealingKey(config);
  const db = await openConfiguredDb(config);
  const applied = await migrate(db);
  if (applied.length > 0) logger.info({ applied }, 'migrations applied');

  const ctx: ServiceContext = { db, clock, sandbox: config.sandbox, sealKey };
  const scheduler = new Scheduler({ db, clock, logger: logger.child({ module: 'scheduler' }) });
  registerJobHandlers(scheduler, ctx);

  let url: string | null = null;
  const app = config.roles.includes('api') ? await buildApp({ ctx, scheduler, logger, trustProxy: config.trustProxy }) : null;
  if (app) {
    url = await app.listen({ host: config.host, port: config.port });
    // Issued once listening: a start that fails (port taken) must not use up the only printing.
    const bootstrap = await issueBootstrapAdminKey(ctx);
    // Printed, not logged: the key must not end up in log storage.
    process.stdout.write(
      `\nPunchcard is running (${db.engine === 'pglite' ? `embedded database in ${config.dataDir}` : 'PostgreSQL'}` +
        `${config.sandbox ? ', sandbox mode' : ''})\n  API:           ${url}/v1\n  API reference: ${url}/docs\n  OpenAPI:       ${url}/openapi.json\n`,
    );
    if (bootstrap) {
      process.stdout.write(
        `\n  Admin API key (shown this once, store it now):\n  ${bootstrap.key}\n\n`,
      );
    }
  }
  if (config.roles.includes('scheduler')) scheduler.start();
  const worker = config.roles.includes('worker')
    ? new DeliveryWorker({ db, clock, sealKey, logger: logger.child({ module: 'delivery' }), allow: config.allowedWebhookRanges })
    : null;
  worker?.start();

  return {
    url,
    async stop() {
      // In-flight requests and jobs finish; no new work is taken.
      await app?.close();
      await scheduler.stop();
      await worker?.stop();
      await db.close();
    },
  };
}
