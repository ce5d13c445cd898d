import { uuidv7 } from '../../domain/ids.ts';
import { comparableIdentifier, identifierNames, normalizePhone } from '../../domain/members/identifiers.ts';
import { checkPasswordStrength } from '../../domain/members/password-rules.ts';
import { Problem } from '../../domain/problem.ts';
import { emitEvent } from '../../outbox/emit.ts';
import { hashPassword, randomToken, secretHash, verifyPassword } from '../../security/secrets.ts';
import { countLoginAttempt } from '../../storage/login-attempts.ts';
import * as members from '../../storage/members.ts';
import type { MemberRow } from '../../storage/members.ts';
import { findMemberSubscription } from '../../storage/subscriptions.ts';
import type { ServiceContext } from '../context.ts';
import { programScope } from '../emit-context.ts';
import { loadMember, requireStatus } from './load-member.ts';
import { memberSnapshot, memberView } from './member-views.ts';
import { applyProfileChanges } from './profile.ts';

/** Member sessions are short: a stolen token is worth an hour at most. */
export const sessionTtlMs = 60 * 60 * 1000;
/** After this many wrong passwords in a row the account is locked for `lockMs`. */
export const maxFailedLogins = 5;
export const lockMs = 15 * 60 * 1000;
/** Login attempts a client address may make in a minute, whatever accounts it tries. */
export const loginAttemptsPerMinute = 20;

const badLogin = () =>
  new Problem(401, 'login-failed', 'Login failed', 'the identifier or the password is wrong',
    [{ field: '/password', message: 'does not match the identifier' }]);

/** The member an identifier names: e-mail, phone (E.164) or card number. */
async function memberByIdentifier(tx: Parameters<typeof members.findMembersByIdentifier>[0], programId: string, identifier: string) {
  const trimmed = identifier.trim();
  for (const name of identifierNames) {
    let value = trimmed;
    if (name === 'phone') {
      try {
        value = normalizePhone(trimmed);
      } catch {
        continue;
      }
    } else if (name === 'email' && !trimmed.includes('@')) continue;
    const found = await members.findMembersByIdentifier(tx, programId, name, comparableIdentifier(name, value));
    // An identifier held by several members (where the program allows it) cannot log anyone in.
    if (found.length === 1) return found[0];
  }
  return undefined;
}

/**
 * A member logs in with an identifier and their password and gets a short-lived token.
 * Wrong passwords count; after `maxFailedLogins` in a row the account is locked for a while.
 * Every attempt of a client address counts too: past `loginAttemptsPerMinute` in a minute it is
 * refused, whichever account it tries (the lock-out stops guessing one account from many
 * addresses; this, guessing many accounts from one). Counts are committed even when the answer
 * is a refusal, in the database, so that every API process shares them.
 */
export async function logIn(ctx: ServiceContext, programId: string, identifier: string, password: string, client: string) {
  const outcome = await ctx.db.transaction(async (tx) => {
    const scope = await programScope(tx, ctx, programId, 'member');
    if (await countLoginAttempt(tx, programId, client, ctx.clock.now()) > loginAttemptsPerMinute) {
      return { refused: new Problem(429, 'too-many-logins', 'Too many login attempts', 'too many login attempts from this client; wait a minute') };
    }
    const found = await memberByIdentifier(tx, programId, identifier);
    if (!found || !found.passwordHash) return { refused: badLogin() };
    const member = await loadMember(tx, programId, found.id, true);
    if (member.lockedUntil && member.lockedUntil > scope.now) {
      return { refused: new Problem(429, 'login-locked', 'Too many failed logins',
        `too many wrong passwords: try again after ${member.lockedUntil.toISOString()}`) };
    }
    if (!(await verifyPassword(password, member.passwordHash!))) {
      const failed = member.failedLogins + 1;
      const locked = failed >= maxFailedLogins;
      await members.saveMember(tx, { ...member, failedLogins: locked ? 0 : failed,
        lockedUntil: locked ? new Date(scope.now.getTime() + lockMs) : member.lockedUntil });
      return { refused: badLogin() };
    }
    if (member.status !== 'active') {
      return { refused: new Problem(403, `member-${member.status}`, 'Login not allowed', `the member is ${member.status === 'new' ? 'not activated yet' : member.status === 'inactive' ? 'deactivated' : 'anonymised'}`) };
    }
    if (member.failedLogins > 0 || member.lockedUntil) await members.saveMember(tx, { ...member, failedLogins: 0, lockedUntil: null });
    const token = randomToken('pcm_');
    const expiresAt = new Date(ctx.clock.now().getTime() + sessionTtlMs);
    await members.insertSession(tx, { id: uuidv7(scope.now), programId, memberId: member.id, hash: secretHash('session', token),
      expiresAt, createdAt: ctx.clock.now() });
    return { session: { token, expiresAt: expiresAt.toISOString(), memberId: member.id } };
  });
  if ('refused' in outcome) throw outcome.refused;
  return outcome.session;
}

/** The member a session token belongs to, if the token is current and the member active. */
export async function authenticateMember(ctx: ServiceContext, token: string) {
  const session = await members.findSession(ctx.db, secretHash('session', token));
  if (!session || session.expiresAt <= ctx.clock.now()) return null;
  const member = await members.findMember(ctx.db, session.programId, session.memberId);
  if (!member || member.status !== 'active') return null;
  return { programId: session.programId, memberId: session.memberId };
}

export async function getOwnProfile(ctx: ServiceContext, programId: string, memberId: string) {
  const member = await loadMember(ctx.db, programId, memberId);
  return memberView(member, await findMemberSubscription(ctx.db, programId, memberId));
}

/**
 * A logged-in member changes their phone or e-mail: CustomerPhoneNumberWasChanged and
 * CustomerEmailWasChanged, one per field that really changed.
 */
export async function changeOwnContact(
  ctx: ServiceContext, programId: string, memberId: string, changes: { email?: string; phone?: string },
) {
  return ctx.db.transaction(async (tx) => {
    const scope = await programScope(tx, ctx, programId, 'member');
    const member = await loadMember(tx, programId, memberId, true);
    requireStatus(member, ['active'], 'change contact details');
    const { member: next, changed } = await applyProfileChanges(tx, scope, member, changes);
    const subscription = await findMemberSubscription(tx, programId, memberId);
    const snapshot = memberSnapshot(next, subscription ?? null);
    if (changed.includes('phone')) {
      await emitEvent(tx, scope.emit, 'CustomerPhoneNumberWasChanged', snapshot, { oldPhone: member.phone, newPhone: next.phone });
    }
    if (changed.includes('email')) {
      await emitEvent(tx, scope.emit, 'CustomerEmailWasChanged', snapshot, { oldEmail: member.email, newEmail: next.email });
    }
    return memberView(next, subscription);
  });
}

/**
 * An active member asks to reset their password: CustomerRequestedPasswordReset carries a
 * single-use token for the business to send. Unknown identifiers answer the same, so the call
 * does not tell who is a member.
 */
export async function requestPasswordReset(ctx: ServiceContext, programId: string, identifier: string, source = 'api') {
  await ctx.db.transaction(async (tx) => {
    const scope = await programScope(tx, ctx, programId, source);
    const member = await memberByIdentifier(tx, programId, identifier);
    if (!member || member.status !== 'active') return;
    const token = randomToken();
    const expiresAt = new Date(scope.now.getTime() + scope.program.settings.members.passwordResetTtlMinutes * 60_000);
    await members.insertMemberCode(tx, {
      id: uuidv7(scope.now), programId, memberId: member.id, purpose: 'password_reset',
      hash: secretHash(programId, token), expiresAt, failedAttempts: 0, usedAt: null, createdAt: scope.now,
    });
    const subscription = await findMemberSubscription(tx, programId, member.id);
    await emitEvent(tx, scope.emit, 'CustomerRequestedPasswordReset', memberSnapshot(member, subscription ?? null), {
      resetToken: token,
      resetTokenExpiresAt: expiresAt.toISOString(),
    });
  });
  return { accepted: true };
}

const badToken = (why: string) =>
  new Problem(422, 'reset-token-invalid', 'Reset token not valid', `the reset token ${why}; request a new one`,
    [{ field: '/token', message: why }]);

/** Sets a new password with a reset token; the token works once, before it expires. */
export async function resetPassword(ctx: ServiceContext, programId: string, token: string, password: string) {
  checkPasswordStrength(password);
  const hash = await hashPassword(password);
  return ctx.db.transaction(async (tx) => {
    const scope = await programScope(tx, ctx, programId, 'member');
    const code = await members.findMemberCodeByHash(tx, programId, 'password_reset', secretHash(programId, token));
    if (!code) throw badToken('is unknown');
    if (code.usedAt) throw badToken('was already used');
    if (code.expiresAt <= scope.now) throw badToken('has expired');
    const member: MemberRow = await loadMember(tx, programId, code.memberId, true);
    requireStatus(member, ['active'], 'reset the password');
    await members.updateMemberCode(tx, code.id, code.failedAttempts, scope.now);
    await members.saveMember(tx, { ...member, passwordHash: hash, failedLogins: 0, lockedUntil: null, updatedAt: scope.now });
    // Sessions opened with the old password end.
    await tx.query(`DELETE FROM member_sessions WHERE member_id = $1`, [member.id]);
    return { reset: true };
  });
}
