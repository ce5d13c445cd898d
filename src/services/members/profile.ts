import { normalizePhone } from '../../domain/members/identifiers.ts';
import { emitEvent } from '../../outbox/emit.ts';
import type { Queryable } from '../../storage/db.ts';
import * as members from '../../storage/members.ts';
import type { AttributeValue, MemberFilter, MemberRow } from '../../storage/members.ts';
import { toPage, type PageRequest } from '../../storage/pagination.ts';
import { findMemberSubscription } from '../../storage/subscriptions.ts';
import type { ServiceContext } from '../context.ts';
import { programScope, type ProgramScope } from '../emit-context.ts';
import { checkAttributeNames, checkBirthDate, checkIdentifiers, normaliseIdentifiers } from './identifier-checks.ts';
import { loadMember, requireStatus } from './load-member.ts';
import { memberSnapshot, memberView } from './member-views.ts';

export interface ProfileChanges {
  email?: string | null;
  phone?: string | null;
  cardId?: string | null;
  firstName?: string | null;
  lastName?: string | null;
  birthDate?: string | null;
  /** Merged into the current attributes; a null value removes the attribute. */
  customAttributes?: Record<string, AttributeValue>;
}

export async function getMember(ctx: ServiceContext, programId: string, memberId: string) {
  const member = await loadMember(ctx.db, programId, memberId);
  return memberView(member, await findMemberSubscription(ctx.db, programId, memberId));
}

export async function listMembers(ctx: ServiceContext, programId: string, filter: MemberFilter, page: PageRequest) {
  // Phones are stored in E.164: a look-up by phone compares the normalised number, as uniqueness does.
  if (filter.phone !== undefined) filter = { ...filter, phone: normalizePhone(filter.phone, 'query.phone') };
  const rows = await members.listMembers(ctx.db, programId, filter, page);
  const subscriptions = await Promise.all(rows.slice(0, page.limit).map((m) => findMemberSubscription(ctx.db, programId, m.id)));
  return toPage(rows, page.limit, (row) => memberView(row, subscriptions[rows.indexOf(row)]));
}

/**
 * Applies profile changes and says which fields changed. Identifiers are normalised and
 * checked against the program's rules. Shared by admin updates and member self-service.
 */
export async function applyProfileChanges(tx: Queryable, scope: ProgramScope, member: MemberRow, changes: ProfileChanges) {
  const ids = normaliseIdentifiers(changes);
  const next: MemberRow = { ...member, updatedAt: scope.now };
  const changed: string[] = [];
  const set = <K extends 'email' | 'phone' | 'cardId' | 'firstName' | 'lastName' | 'birthDate'>(key: K, value: MemberRow[K] | undefined) => {
    if (value === undefined || value === member[key]) return;
    next[key] = value;
    changed.push(key);
  };
  set('email', ids.email);
  set('phone', ids.phone);
  set('cardId', ids.cardId);
  set('firstName', changes.firstName);
  set('lastName', changes.lastName);
  checkBirthDate(changes.birthDate, scope.now);
  set('birthDate', changes.birthDate);
  if (changes.customAttributes) {
    checkAttributeNames(changes.customAttributes);
    const attributes = { ...member.customAttributes };
    for (const [name, value] of Object.entries(changes.customAttributes)) {
      if (attributes[name] === value || (value === null && !(name in attributes))) continue;
      if (value === null) delete attributes[name];
      else attributes[name] = value;
      changed.push(`customAttributes.${name}`);
    }
    next.customAttributes = attributes;
  }
  const changedIds = new Set((['email', 'phone', 'cardId'] as const).filter((k) => changed.includes(k)));
  await checkIdentifiers(tx, member.programId, scope.program.settings.members, next, changedIds, member.id);
  if (changed.length > 0) await members.saveMember(tx, next);
  return { member: next, changed };
}

/** An admin or integration update of the profile: CustomerUpdated with the changed fields. */
export async function updateMember(ctx: ServiceContext, programId: string, memberId: string, changes: ProfileChanges, source = 'api') {
  return ctx.db.transaction(async (tx) => {
    const scope = await programScope(tx, ctx, programId, source);
    const member = await loadMember(tx, programId, memberId, true);
    requireStatus(member, ['new', 'active', 'inactive'], 'update the profile');
    const { member: next, changed } = await applyProfileChanges(tx, scope, member, changes);
    const subscription = await findMemberSubscription(tx, programId, memberId);
    if (changed.length > 0) {
      await emitEvent(tx, scope.emit, 'CustomerUpdated', memberSnapshot(next, subscription ?? null), { changedFields: changed });
    }
    return memberView(next, subscription);
  });
}

/** Deactivation: no more earning, spending or logging in; history kept (CustomerDeactivated). */
export async function deactivateMember(ctx: ServiceContext, programId: string, memberId: string, source = 'api') {
  return ctx.db.transaction(async (tx) => {
    const scope = await programScope(tx, ctx, programId, source);
    const member = await loadMember(tx, programId, memberId, true);
    requireStatus(member, ['new', 'active'], 'deactivate');
    const next: MemberRow = { ...member, status: 'inactive', deactivatedAt: scope.now, updatedAt: scope.now };
    await members.saveMember(tx, next);
    await tx.query(`DELETE FROM member_sessions WHERE member_id = $1`, [memberId]);
    const subscription = await findMemberSubscription(tx, programId, memberId);
    await emitEvent(tx, scope.emit, 'CustomerDeactivated', memberSnapshot(next, subscription ?? null), {});
    return memberView(next, subscription);
  });
}

/**
 * Reactivation returns the member to `active` (or `new` if they never activated).
 * It is reported as CustomerUpdated with `status` changed: neither vocabulary has its own event.
 */
export async function reactivateMember(ctx: ServiceContext, programId: string, memberId: string, source = 'api') {
  return ctx.db.transaction(async (tx) => {
    const scope = await programScope(tx, ctx, programId, source);
    const member = await loadMember(tx, programId, memberId, true);
    requireStatus(member, ['inactive'], 'reactivate');
    const next: MemberRow = { ...member, status: member.activatedAt ? 'active' : 'new', deactivatedAt: null, updatedAt: scope.now };
    await members.saveMember(tx, next);
    const subscription = await findMemberSubscription(tx, programId, memberId);
    await emitEvent(tx, scope.emit, 'CustomerUpdated', memberSnapshot(next, subscription ?? null), { changedFields: ['status'] });
    return memberView(next, subscription);
  });
}

/**
 * GDPR erasure: personal data, password, sessions and codes go; the member row, its contact id,
 * its subscription and its ledger stay, so totals and history still add up. Irreversible.
 * Reported as CustomerUpdated listing the erased fields (the payload shows them empty).
 */
export async function anonymiseMember(ctx: ServiceContext, programId: string, memberId: string, source = 'api') {
  return ctx.db.transaction(async (tx) => {
    const scope = await programScope(tx, ctx, programId, source);
    const member = await loadMember(tx, programId, memberId, true);
    requireStatus(member, ['new', 'active', 'inactive'], 'anonymise');
    const erased = (['email', 'phone', 'cardId', 'firstName', 'lastName', 'birthDate'] as const).filter((k) => member[k] !== null);
    const attributeNames = Object.keys(member.customAttributes).map((name) => `customAttributes.${name}`);
    const next: MemberRow = {
      ...member, status: 'anonymised', email: null, phone: null, cardId: null, firstName: null, lastName: null,
      birthDate: null, customAttributes: {}, passwordHash: null, lockedUntil: null, failedLogins: 0, updatedAt: scope.now,
    };
    await members.saveMember(tx, next);
    await members.deleteMemberSecrets(tx, memberId);
    const subscription = await findMemberSubscription(tx, programId, memberId);
    await emitEvent(tx, scope.emit, 'CustomerUpdated', memberSnapshot(next, subscription ?? null), {
      changedFields: ['status', ...erased, ...attributeNames],
    });
    return memberView(next, subscription);
  });
}
