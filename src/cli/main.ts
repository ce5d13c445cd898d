import { parseArgs } from 'node:util';
import { systemClock } from '../clock/clock.ts';
import { loadConfig } from '../config/config.ts';
import { createLogger } from '../runtime/logger.ts';
import { openConfiguredDb, startProcess } from '../runtime/process.ts';
import { createAdminKey, createProgramKey, revokeKey } from '../services/api-keys.ts';
import type { ServiceContext } from '../services/context.ts';
import { checkLedger } from '../services/ledger/balances.ts';
import { resolveSealingKey } from '../security/encryption-key.ts';
import { migrate } from '../storage/migrate.ts';

const help = `punchcard — a loyalty engine whose every change reaches you as a signed webhook

Usage:
  punchcard serve [--roles api,worker,scheduler]   run the server (default: all roles)
  punchcard migrate                                apply pending database migrations
  punchcard keys create [--program ID] [--name N]  create an admin key, or a key of one program
  punchcard keys revoke KEY_ID                     revoke a key
  punchcard ledger check [--program ID]            recompute balances from their lots; exit 1 on any difference
  punchcard --help                                 this text

Environment:
  DATABASE_URL          PostgreSQL connection string; unset: embedded PGlite in PUNCHCARD_DATA_DIR
  PUNCHCARD_DATA_DIR    embedded database directory (default ./data)
  HOST, PORT            where the API listens (default 127.0.0.1:3000)
  PUNCHCARD_ROLES       roles of this process: api, worker, scheduler (default all)
  PUNCHCARD_SANDBOX     true/false: allow moving program clocks (default: true on the embedded
                        database unless NODE_ENV=production)
  PUNCHCARD_WEBHOOK_ALLOW  CIDR ranges webhooks may reach although private (sandbox: loopback)
  PUNCHCARD_ENCRYPTION_KEY  32 bytes (64 hex digits or base64) encrypting webhook credentials at
                        rest; required with DATABASE_URL, generated into <data dir>.key otherwise
  LOG_LEVEL             pino level (default info)
`;

async function main(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      help: { type: 'boolean', short: 'h' },
      roles: { type: 'string' },
      program: { type: 'string' },
      name: { type: 'string' },
    },
  });
  const [command, sub, arg] = positionals;
  if (values.help || !command) {
    process.stdout.write(help);
    return command || values.help ? 0 : 1;
  }
  const env = values.roles ? { ...process.env, PUNCHCARD_ROLES: values.roles } : process.env;
  const config = loadConfig(env);

  if (command === 'serve') {
    const logger = createLogger(config.logLevel);
    const started = startProcess(config, logger);
    // Listening for signals from the start: a SIGTERM that arrives while the process is still
    // starting (or just after it printed its URL) stops it gracefully too.
    const shutdown = async (signal: string) => {
      logger.info({ signal }, 'shutting down');
      await (await started).stop();
      process.exit(0);
    };
    const onSignal = (signal: string) => void shutdown(signal).catch(() => process.exit(1));
    process.once('SIGINT', () => onSignal('SIGINT'));
    process.once('SIGTERM', () => onSignal('SIGTERM'));
    await started;
    return -1; // keep running
  }

  const db = await openConfiguredDb(config);
  try {
    if (command === 'migrate') {
      const applied = await migrate(db);
      process.stdout.write(applied.length ? `applied migrations ${applied.join(', ')}\n` : 'database is up to date\n');
      return 0;
    }
    // The key only for the commands that use the services: an unknown command makes no key file.
    const context = async (): Promise<ServiceContext> =>
      ({ db, clock: systemClock, sandbox: config.sandbox, sealKey: await resolveSealingKey(config) });
    if (command === 'keys' && sub === 'create') {
      await migrate(db);
      const ctx = await context();
      const created = values.program
        ? await createProgramKey(ctx, { kind: 'admin', keyId: 'cli' }, values.program, values.name ?? 'cli')
        : await createAdminKey(ctx, values.name ?? 'cli');
      process.stdout.write(`${created.programId ? 'program' : 'admin'} key ${created.id} (shown once):\n${created.key}\n`);
      return 0;
    }
    if (command === 'keys' && sub === 'revoke' && arg) {
      const revoked = await revokeKey(await context(), { kind: 'admin', keyId: 'cli' }, arg);
      process.stdout.write(`revoked key ${revoked.id} at ${revoked.revokedAt}\n`);
      return 0;
    }
    if (command === 'ledger' && sub === 'check') {
      await migrate(db);
      const report = await checkLedger(await context(), values.program ?? null);
      for (const d of report.differences) {
        process.stdout.write(`balance ${d.balanceId}: ${d.figure} stored ${d.stored}, from lots ${d.fromLots}\n`);
      }
      process.stdout.write(report.consistent ? 'ledger consistent: every balance equals its lots\n' : `${report.differences.length} differences\n`);
      return report.consistent ? 0 : 1;
    }
    process.stderr.write(`unknown command: ${positionals.join(' ')}\n\n${help}`);
    return 2;
  } finally {
    await db.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (error: unknown) => {
    process.stderr.write(`punchcard: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
