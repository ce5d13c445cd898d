
export type Role = 'api' | 'worker' | 'scheduler';
const allRoles: Role[] = ['api', 'worker', 'scheduler'];

export interface Config {
  databaseUrl: string | undefined;
  dataDir: string;
  host: string;
  port: number;
  roles: Role[];
  /** Sandbox: programs' clocks can be moved forward through the API. */
  sandbox: boolean;
  /** CIDR ranges outbound webhooks may reach although private (the SSRF guard refuses them otherwise). */
  allowedWebhookRanges: string[];
  logLevel: string;
  /**
   * Which proxies' X-Forwarded-For to believe for the client address (the login throttle counts
   * per address): false (none, the socket's address), true (any), a hop count, or addresses/CIDRs.
   */
  trustProxy: boolean | number | string[];
  /** PUNCHCARD_ENCRYPTION_KEY as given (parsed by security/encryption-key.ts); unset: see there. */
  encryptionKey: string | undefined;
}

/** Reads the environment. Kept in one place so every knob is documented in the README. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const databaseUrl = env.DATABASE_URL || undefined;
  const production = env.NODE_ENV === 'production';
  const sandbox = env.PUNCHCARD_SANDBOX !== undefined ? env.PUNCHCARD_SANDBOX === 'true' : !databaseUrl && !production;
  const roles = parseRoles(env.PUNCHCARD_ROLES);
  const ranges = (env.PUNCHCARD_WEBHOOK_ALLOW ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  return {
    databaseUrl,
    dataDir: env.PUNCHCARD_DATA_DIR ?? './data',
    host: env.HOST ?? '127.0.0.1',
    port: env.PORT ? Number(env.PORT) : 3000,
    roles,
    sandbox,
    // Local development talks to receivers on this machine; production must opt in explicitly.
    allowedWebhookRanges: ranges.length > 0 ? ranges : sandbox ? ['127.0.0.0/8', '::1/128'] : [],
    logLevel: env.LOG_LEVEL ?? 'info',
    trustProxy: parseTrustProxy(env.PUNCHCARD_TRUST_PROXY),
    encryptionKey: env.PUNCHCARD_ENCRYPTION_KEY || undefined,
  };
}

export function parseTrustProxy(text: string | undefined): boolean | number | string[] {
  const value = text?.trim() ?? '';
  if (value === '' || value === 'false') return false;
  if (value === 'true') return true;
  if (/^\d+$/.test(value)) return Number(value);
  return value.split(',').map((s) => s.trim()).filter(Boolean);
}

export function parseRoles(text: string | undefined): Role[] {
  if (!text) return allRoles;
  const roles = text.split(',').map((s) => s.trim()).filter(Boolean);
  for (const role of roles) {
    if (!allRoles.includes(role as Role)) throw new Error(`unknown role "${role}" (use ${allRoles.join(', ')})`);
  }
  return roles as Role[];
}

