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
  return ctx.db.transaction(async (tx) => {
    const row = await keys.findApiKey(tx, keyId);
    const visible = row && (principal.kind === 'admin' || row.programId === principal.programId);
    if (!visible) throw notFound('API key', keyId);
    await keys.revokeApiKey(tx, keyId, ctx.clock.now());
    return apiKeyView((await keys.findApiKey(tx, keyId))!);
  });
}

export async function authenticate(ctx: ServiceContext, presented: string): Promise<Principal | null> {
  const row = await keys.findActiveKeyByHash(ctx.db, hashKey(presented));
  if (!row) return null;
  return row.programId ? { kind: 'program', keyId: row.id, programId: row.programId } : { kind: 'admin', keyId: row.id };
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
