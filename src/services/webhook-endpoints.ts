import { uuidv7 } from '../domain/ids.ts';
import { Problem, invalidInput, notFound } from '../domain/problem.ts';
import { defaultTimeoutMs } from '../delivery/retry-policy.ts';
import { generateSecret } from '../delivery/signing.ts';
import { knownEventTypeNames } from '../events/registry.ts';
import type { Queryable } from '../storage/db.ts';
import { toPage, type PageRequest } from '../storage/pagination.ts';
import * as endpoints from '../storage/webhook-endpoints.ts';
import type { EndpointRow } from '../storage/webhook-endpoints.ts';
import type { ServiceContext } from './context.ts';

export interface EndpointInput {
  url?: string;
  description?: string;
  eventTypes?: string[] | null;
  bearerToken?: string | null;
  basicAuth?: { username: string; password: string } | null;
  headers?: Record<string, string>;
  timeoutMs?: number;
  maxConcurrency?: number;
}

/**
 * Headers an endpoint's custom headers may not set: the ones we set ourselves, the ones that
 * describe the signed body, and the connection-level ones the HTTP client refuses at send time
 * (keep-alive, upgrade, expect), which would fail every delivery.
 */
const reservedHeaders = new Set(['authorization', 'content-type', 'content-length', 'content-encoding', 'host',
  'user-agent', 'webhook-id', 'webhook-timestamp', 'webhook-signature', 'transfer-encoding', 'connection',
  'keep-alive', 'upgrade', 'expect', 'te', 'trailer', 'proxy-connection']);
const defaultGraceSeconds = 24 * 3600;

/** `now` decides whether the previous secret still signs (its grace period not yet over). */
export function endpointView(row: EndpointRow, now: Date) {
  return {
    id: row.id,
    url: row.url,
    description: row.description,
    eventTypes: row.eventTypes,
    bearerToken: row.bearerToken ? ('set' as const) : null,
    basicAuth: row.basicUsername !== null ? { username: row.basicUsername } : null,
    headers: row.headers,
    timeoutMs: row.timeoutMs,
    maxConcurrency: row.maxConcurrency,
    enabled: row.enabled,
    disabledReason: row.disabledReason,
    disabledAt: row.disabledAt?.toISOString() ?? null,
    failingSince: row.failingSince?.toISOString() ?? null,
    previousSecretExpiresAt:
      row.previousSecret && row.previousSecretExpiresAt && row.previousSecretExpiresAt > now
        ? row.previousSecretExpiresAt.toISOString()
        : null,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

function checkInput(input: EndpointInput): void {
  if (input.url !== undefined) {
    let url: URL;
    try {
      url = new URL(input.url);
    } catch {
      throw invalidInput('/url', 'is not an absolute URL');
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw invalidInput('/url', 'must be an http or https URL');
    if (url.username || url.password) throw invalidInput('/url', 'must not carry credentials; use basicAuth');
  }
  if (input.eventTypes) {
    const known = knownEventTypeNames();
    input.eventTypes.forEach((name, i) => {
      if (!known.has(name)) throw invalidInput(`/eventTypes/${i}`, `"${name}" is not an event type (GET /v1/event-types)`);
    });
  }
  if (input.bearerToken && input.basicAuth) {
    throw invalidInput('/basicAuth', 'give either bearerToken or basicAuth, not both');
  }
  const seen = new Set<string>();
  for (const name of Object.keys(input.headers ?? {})) {
    const lower = name.toLowerCase();
    if (reservedHeaders.has(lower)) throw invalidInput(`/headers/${name}`, 'is set by Punchcard and cannot be replaced');
    // Header names are case-insensitive: two spellings of one name would silently keep only one.
    if (seen.has(lower)) throw invalidInput(`/headers/${name}`, 'is given twice (header names ignore case)');
    seen.add(lower);
  }
}

async function loadEndpoint(ctx: ServiceContext, tx: Queryable, programId: string, id: string, forUpdate = false) {
  const row = await endpoints.findEndpoint(tx, ctx.sealKey, programId, id, forUpdate);
  if (!row) throw notFound('webhook endpoint', id);
  return row;
}

export async function createEndpoint(ctx: ServiceContext, programId: string, input: EndpointInput & { url: string }) {
  checkInput(input);
  const now = ctx.clock.now();
  const row: EndpointRow = {
    id: uuidv7(now),
    programId,
    url: input.url,
    description: input.description ?? '',
    eventTypes: input.eventTypes ?? null,
    bearerToken: input.bearerToken ?? null,
    basicUsername: input.basicAuth?.username ?? null,
    basicPassword: input.basicAuth?.password ?? null,
    headers: input.headers ?? {},
    timeoutMs: input.timeoutMs ?? defaultTimeoutMs,
    maxConcurrency: input.maxConcurrency ?? 10,
    secret: generateSecret(),
    previousSecret: null,
    previousSecretExpiresAt: null,
    enabled: true,
    disabledReason: null,
    disabledAt: null,
    failingSince: null,
    createdAt: now,
    updatedAt: now,
  };
  await ctx.db.transaction(async (tx) => {
    await assertProgramExists(tx, programId);
    await endpoints.insertEndpoint(tx, ctx.sealKey, row);
  });
  return { ...endpointView(row, now), secret: row.secret };
}

async function assertProgramExists(tx: Queryable, programId: string) {
  const rows = await tx.query(`SELECT 1 FROM programs WHERE id = $1`, [programId]);
  if (rows.length === 0) throw notFound('program', programId);
}

export async function getEndpoint(ctx: ServiceContext, programId: string, id: string) {
  return endpointView(await loadEndpoint(ctx, ctx.db, programId, id), ctx.clock.now());
}

export async function listEndpoints(ctx: ServiceContext, programId: string, page: PageRequest) {
  const now = ctx.clock.now();
  return toPage(await endpoints.listEndpoints(ctx.db, ctx.sealKey, programId, page), page.limit, (row) => endpointView(row, now));
}

/** Changes what is given; `null` clears an optional setting. */
export async function updateEndpoint(ctx: ServiceContext, programId: string, id: string, input: EndpointInput) {
  checkInput(input);
  return ctx.db.transaction(async (tx) => {
    const current = await loadEndpoint(ctx, tx, programId, id, true);
    const next: EndpointRow = {
      ...current,
      url: input.url ?? current.url,
      description: input.description ?? current.description,
      eventTypes: input.eventTypes !== undefined ? input.eventTypes : current.eventTypes,
      timeoutMs: input.timeoutMs ?? current.timeoutMs,
      maxConcurrency: input.maxConcurrency ?? current.maxConcurrency,
      headers: input.headers ?? current.headers,
      updatedAt: ctx.clock.now(),
    };
    if (input.bearerToken !== undefined) {
      next.bearerToken = input.bearerToken;
      if (input.bearerToken) [next.basicUsername, next.basicPassword] = [null, null];
    }
    if (input.basicAuth !== undefined) {
      next.basicUsername = input.basicAuth?.username ?? null;
      next.basicPassword = input.basicAuth?.password ?? null;
      if (input.basicAuth) next.bearerToken = null;
    }
    await endpoints.updateEndpoint(tx, ctx.sealKey, next);
    return endpointView(next, next.updatedAt);
  });
}

export async function deleteEndpoint(ctx: ServiceContext, programId: string, id: string): Promise<void> {
  const deleted = await ctx.db.transaction((tx) => endpoints.deleteEndpoint(tx, programId, id));
  if (!deleted) throw notFound('webhook endpoint', id);
}

/** Enabling starts a fresh run: the failures that disabled it no longer count. */
export async function setEndpointEnabled(ctx: ServiceContext, programId: string, id: string, enabled: boolean) {
  return ctx.db.transaction(async (tx) => {
    const current = await loadEndpoint(ctx, tx, programId, id, true);
    const now = ctx.clock.now();
    const next: EndpointRow = enabled
      ? { ...current, enabled: true, disabledReason: null, disabledAt: null, failingSince: null, updatedAt: now }
      : { ...current, enabled: false, disabledReason: current.enabled ? 'disabled through the API' : current.disabledReason,
          disabledAt: current.enabled ? now : current.disabledAt, updatedAt: now };
    await endpoints.updateEndpoint(tx, ctx.sealKey, next);
    return endpointView(next, next.updatedAt);
  });
}

/**
 * A new secret signs from now on; the old one keeps signing beside it for the grace period, so
 * receivers can switch without losing a message.
 */
export async function rotateEndpointSecret(ctx: ServiceContext, programId: string, id: string, graceSeconds?: number) {
  const grace = graceSeconds ?? defaultGraceSeconds;
  if (!Number.isInteger(grace) || grace < 0 || grace > 7 * 24 * 3600) {
    throw new Problem(422, 'invalid-input', 'Invalid input', '/gracePeriodSeconds: must be 0 to 604800',
      [{ field: '/gracePeriodSeconds', message: 'must be an integer from 0 to 604800 (7 days)' }]);
  }
  return ctx.db.transaction(async (tx) => {
    const current = await loadEndpoint(ctx, tx, programId, id, true);
    const now = ctx.clock.now();
    const next: EndpointRow = {
      ...current,
      secret: generateSecret(),
      previousSecret: grace > 0 ? current.secret : null,
      previousSecretExpiresAt: grace > 0 ? new Date(now.getTime() + grace * 1000) : null,
      updatedAt: now,
    };
    await endpoints.updateEndpoint(tx, ctx.sealKey, next);
    return { ...endpointView(next, now), secret: next.secret };
  });
}

