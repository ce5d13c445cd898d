import { uuidv7 } from '../../domain/ids.ts';
import { Problem, invalidInput } from '../../domain/problem.ts';
import { checkPasswordStrength } from '../../domain/members/password-rules.ts';
import { emitEvent } from '../../outbox/emit.ts';
import { hashPassword, numericCode, secretHash } from '../../security/secrets.ts';
import type { Queryable } from '../../storage/db.ts';
import * as members from '../../storage/members.ts';
import type { AttributeValue, MemberRow } from '../../storage/members.ts';
import type { ServiceContext } from '../context.ts';
import { programScope, type ProgramScope } from '../emit-context.ts';
import { runCampaigns } from '../campaigns/run.ts';
import { enrolInTransaction } from '../subscriptions/enrol.ts';
import { checkAttributeNames, checkBirthDate, checkIdentifiers, newCardId, normaliseIdentifiers } from './identifier-checks.ts';
import { loadMember, requireStatus } from './load-member.ts';
import { memberSnapshot, memberView } from './member-views.ts';

export interface RegisterInput {
  email?: string;
  phone?: string;
  cardId?: string;
  firstName?: string;
  lastName?: string;
  birthDate?: string;
  customAttributes?: Record<string, AttributeValue>;
  password?: string;
  /** `code`: the member starts as `new` and gets an activation code to send them. */
  activation?: 'none' | 'code';
  activationChannel?: 'email' | 'sms';
  loyaltySubscriptionId?: string;
  /** Back-dates the enrolment (members brought over from another system). */
  subscriptionCreatedAt?: string;
  /** false: registered without a subscription of their own (e.g. to join a household). Default true. */
  enrol?: boolean;
}

const allIdentifiers = new Set(['email', 'phone', 'cardId'] as const);

/**
 * Registers a member. Without activation they are active at once and enrolled
 * (CustomerRegistered, subscription_created); with activation they are `new` and
 * CustomerWasRegisteredWithoutActivation carries the code the business sends them.
 */
export async function registerMember(ctx: ServiceContext, programId: string, input: RegisterInput, source = 'api') {
  if (input.enrol === false) {
    for (const field of ['loyaltySubscriptionId', 'subscriptionCreatedAt'] as const) {
      if (input[field] !== undefined) throw invalidInput(`/${field}`, 'describes an enrolment, and enrol is false');
    }
  }
  if (input.activation === 'code') {
    // A member with an activation code is enrolled when activated: the enrolment's details are
    // given then, never taken here and silently dropped.
    for (const field of ['loyaltySubscriptionId', 'subscriptionCreatedAt'] as const) {
      if (input[field] !== undefined) {
        throw invalidInput(`/${field}`, 'is given when activating a member registered with activation: code (POST /v1/members/:id/activate)');
      }
    }
  }
  checkAttributeNames(input.customAttributes);
  if (input.password !== undefined) checkPasswordStrength(input.password);
  const passwordHash = input.password !== undefined ? await hashPassword(input.password) : null;
  const createdAt = input.subscriptionCreatedAt ? new Date(input.subscriptionCreatedAt) : undefined;

  return ctx.db.transaction(async (tx) => {
    const scope = await programScope(tx, ctx, programId, source);
    const settings = scope.program.settings.members;
    checkBirthDate(input.birthDate, scope.now);
    if (createdAt && createdAt > scope.now) throw invalidInput('/subscriptionCreatedAt', 'is in the future');
    const given = normaliseIdentifiers(input);
    const identifiers = {
      email: given.email ?? null,
      phone: given.phone ?? null,
      cardId: given.cardId ?? (settings.cardIdPattern ? await newCardId(tx, programId, settings.cardIdPattern) : null),
    };
    await checkIdentifiers(tx, programId, settings, identifiers, allIdentifiers, null);

    const withCode = input.activation === 'code';
    const member = await members.insertMember(tx, {
      id: uuidv7(scope.now),
      programId,
      status: withCode ? 'new' : 'active',
      ...identifiers,
      firstName: input.firstName ?? null,
      lastName: input.lastName ?? null,
      birthDate: input.birthDate ?? null,
      customAttributes: input.customAttributes ?? {},
      passwordHash,
      failedLogins: 0,
      lockedUntil: null,
      activatedAt: withCode ? null : scope.now,
      deactivatedAt: null,
      createdAt: scope.now,
      updatedAt: scope.now,
    });

    const registered = await emitEvent(tx, scope.emit, 'CustomerRegistered', memberSnapshot(member, null), { active: !withCode });
    if (withCode) {
      const code = await issueActivationCode(tx, scope, member);
      await emitEvent(tx, scope.emit, 'CustomerWasRegisteredWithoutActivation', memberSnapshot(member, null), {
        activationCode: code.code,
        activationCodeExpiresAt: code.expiresAt.toISOString(),
        channel: input.activationChannel ?? (member.email ? 'email' : 'sms'),
      });
      return memberView(member, null);
    }
    // A member who will join a household is registered without a subscription of their own.
    if (input.enrol === false) return memberView(member, null);
    const { subscription } = await enrolInTransaction(tx, scope, member, {
      loyaltySubscriptionId: input.loyaltySubscriptionId,
      createdAt,
    });
    const applied = await runCampaigns(tx, scope, { kind: 'registration', memberId: member.id, sourceEventId: registered.id });
    // A campaign may have set custom attributes: answer with the member as they now are.
    return memberView(applied.length > 0 ? (await members.findMember(tx, programId, member.id))! : member, subscription);
  });
}

async function issueActivationCode(tx: Queryable, scope: ProgramScope, member: MemberRow) {
  const code = numericCode(6);
  const expiresAt = new Date(scope.now.getTime() + scope.program.settings.members.activationCodeTtlMinutes * 60_000);
  await members.insertMemberCode(tx, {
    id: uuidv7(scope.now),
    programId: member.programId,
    memberId: member.id,
    purpose: 'activation',
    hash: secretHash(member.id, code),
    expiresAt,
    failedAttempts: 0,
    usedAt: null,
    createdAt: scope.now,
  });
  return { code, expiresAt };
}

/** A fresh activation code for a member still `new` (CustomerRequestedSendActivationCode). */
export async function requestActivationCode(
  ctx: ServiceContext, programId: string, memberId: string, channel?: 'email' | 'sms', source = 'api',
) {
  return ctx.db.transaction(async (tx) => {
    const scope = await programScope(tx, ctx, programId, source);
    const member = await loadMember(tx, programId, memberId, true);
    requireStatus(member, ['new'], 'send an activation code');
    const code = await issueActivationCode(tx, scope, member);
    await emitEvent(tx, scope.emit, 'CustomerRequestedSendActivationCode', memberSnapshot(member, null), {
      activationCode: code.code,
      activationCodeExpiresAt: code.expiresAt.toISOString(),
      channel: channel ?? (member.email ? 'email' : 'sms'),
    });
    return { expiresAt: code.expiresAt.toISOString() };
  });
}

const wrongCode = (left: number) =>
  new Problem(422, 'activation-code-wrong', 'Wrong activation code',
    left > 0 ? `the activation code is wrong; ${left} more tries before it is void` : 'the activation code is wrong and is now void; request a new one',
    [{ field: '/code', message: 'is wrong' }]);

/**
 * Activates a `new` member with their code, then enrols them (subscription_created).
 * A wrong code counts; after the program's limit the code is void. The failure count must
 * survive the refusal, so a wrong code commits its count and then answers with the problem.
 */
export async function activateMember(
  ctx: ServiceContext, programId: string, memberId: string, code: string,
  enrolment: { loyaltySubscriptionId?: string; subscriptionCreatedAt?: string } = {}, source = 'api',
) {
  const createdAt = enrolment.subscriptionCreatedAt ? new Date(enrolment.subscriptionCreatedAt) : undefined;
  const outcome = await ctx.db.transaction(async (tx) => {
    const scope = await programScope(tx, ctx, programId, source);
    if (createdAt && createdAt > scope.now) throw invalidInput('/subscriptionCreatedAt', 'is in the future');
    const member = await loadMember(tx, programId, memberId, true);
    requireStatus(member, ['new'], 'activate');
    const current = await members.currentMemberCode(tx, memberId, 'activation');
    if (!current) {
      throw new Problem(409, 'activation-code-missing', 'No activation code', 'no activation code is waiting; request a new one');
    }
    if (current.expiresAt <= scope.now) {
      throw new Problem(410, 'activation-code-expired', 'Activation code expired', 'the activation code has expired; request a new one',
        [{ field: '/code', message: 'has expired' }]);
    }
    if (!secretHash(memberId, code).equals(current.hash)) {
      const failed = current.failedAttempts + 1;
      const limit = scope.program.settings.members.activationMaxAttempts;
      await members.updateMemberCode(tx, current.id, failed, failed >= limit ? scope.now : null);
      return { kind: 'wrong', left: limit - failed } as const;
    }
    await members.updateMemberCode(tx, current.id, current.failedAttempts, scope.now);
    const active: MemberRow = { ...member, status: 'active', activatedAt: scope.now, updatedAt: scope.now };
    await members.saveMember(tx, active);
    const { subscription, createdEventId } = await enrolInTransaction(tx, scope, active,
      { loyaltySubscriptionId: enrolment.loyaltySubscriptionId, createdAt });
    // Activation has no event of its own: its campaigns are caused by the subscription it creates.
    const applied = await runCampaigns(tx, scope, { kind: 'registration', memberId: active.id, sourceEventId: createdEventId });
    const now = applied.length > 0 ? (await members.findMember(tx, programId, active.id))! : active;
    return { kind: 'activated', member: memberView(now, subscription) } as const;
  });
  if (outcome.kind === 'wrong') throw wrongCode(outcome.left);
  return outcome.member;
}
