import { createHash, randomBytes } from 'node:crypto';
import { uuidv7 } from '../domain/ids.ts';
import { notFound } from '../domain/problem.ts';
import * as keys from '../storage/api-keys.ts';
import type { ApiKeyRow } from '../storage/api-keys.ts';
import type { Queryable } from '../storage/db.ts';
import { toPage, type PageRequest } from '../storage/pagination.ts';
import type { Principal, ServiceContext } from './context.ts';
import { loadProgram } from './programs.ts';

const hashKey = (key: string) => createHash('sha256').update(key).digest();

export function apiKeyView(row: ApiKeyRow) {
  return {
    id: row.id,
    programId: row.programId,
    name: row.name,
    prefix: row.prefix,
    createdAt: row.createdAt.toISOString(),
    revokedAt: row.revokedAt?.toISOString() ?? null,
  };
}

/** 256 random bits; the key is shown once and only its hash is kept. */
async function issueKey(tx: Queryable, now: Date, programId: string | null, name: string) {
  const secret = `pc_${programId ? 'prg' : 'adm'}_${randomBytes(32).toString('base64url')}`;
  const row: ApiKeyRow = { id: uuidv7(now), programId, name, prefix: secret.slice(0, 11), createdAt: now, revokedAt: null };
  await keys.insertApiKey(tx, row, hashKey(secret));
  return { ...apiKeyView(row), key: secret };
}

export async function createAdminKey(ctx: ServiceContext, name: string) {
  return ctx.db.transaction((tx) => issueKey(tx, ctx.clock.now(), null, name));
}

export async function createProgramKey(ctx: ServiceContext, principal: Principal, programId: string, name: string) {
  return ctx.db.transaction(async (tx) => {
    await loadProgram(tx, principal, programId);
    return issueKey(tx, ctx.clock.now(), programId, name);
  });
}

export async function listKeys(ctx: ServiceContext, principal: Principal, programId: string | null, page: PageRequest) {
  if (programId) await loadProgram(ctx.db, principal, programId);
  const rows = await keys.listApiKeys(ctx.db, programId, page);
  return toPage(rows, page.limit, apiKeyView);
}

/** Admins revoke any key; a program key may revoke keys of its own program. */
export async function revokeKey(ctx: ServiceContext, principal: Principal, keyId: string) {
  const revoked = await ctx.db.transaction(async (tx) => {
    const row = await keys.findApiKey(tx, keyId);
    const visible = row && (principal.kind === 'admin' || row.programId === principal.programId);
    if (!visible) throw notFound('API key', keyId);
    await keys.revokeApiKey(tx, keyId, ctx.clock.now());
    return apiKeyView((await keys.findApiKey(tx, keyId))!);
  });
  // After the commit: a lookup in between would otherwise remember the key as still active.
  const cache = keyCache(ctx);
  for (const [hash, known] of cache) if (known.principal.keyId === keyId) cache.delete(hash);
  return revoked;
}

/**
 * Keys recently found active, by hash, per database handle (one per process): the lookup is
 * otherwise a query of its own on every request. Staleness bound: a key revoked through this
 * process is forgotten at once (revokeKey); one revoked by another process (another instance,
 * the CLI) keeps working here for at most `keyCacheMs`. Unknown keys are never remembered, so a
 * new key works at once and guessing fills nothing.
 */
const keyCacheMs = 5_000;
const maxCachedKeys = 10_000;
const keyCaches = new WeakMap<object, Map<string, { principal: Principal; until: number }>>();

function keyCache(ctx: ServiceContext) {
  let cache = keyCaches.get(ctx.db);
  if (!cache) keyCaches.set(ctx.db, (cache = new Map()));
  return cache;
}

export async function authenticate(ctx: ServiceContext, presented: string): Promise<Principal | null> {
  const hash = hashKey(presented);
  const cache = keyCache(ctx);
  const cacheKey = hash.toString('base64');
  const known = cache.get(cacheKey);
  // performance.now(): an interval of this process, not a business time (the test clock may stand still).
  if (known && known.until > performance.now()) return known.principal;
  const row = await keys.findActiveKeyByHash(ctx.db, hash);
  if (!row) {
    cache.delete(cacheKey);
    return null;
  }
  const principal: Principal = row.programId ? { kind: 'program', keyId: row.id, programId: row.programId } : { kind: 'admin', keyId: row.id };
  if (cache.size >= maxCachedKeys) cache.clear();
  cache.set(cacheKey, { principal, until: performance.now() + keyCacheMs });
  return principal;
}

/**
 * The first start of an installation creates one admin key and returns it so it can be
 * printed once; every later start returns null, whatever happened to that key since.
 */
export async function issueBootstrapAdminKey(ctx: ServiceContext) {
  return ctx.db.transaction(async (tx) => {
    const first = await keys.recordInstanceFact(tx, 'bootstrap-admin-key-issued', ctx.clock.now());
    return first ? issueKey(tx, ctx.clock.now(), null, 'bootstrap') : null;
  });
}
