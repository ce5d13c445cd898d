import { programNow } from '../clock/clock.ts';
import { uuidv7 } from '../domain/ids.ts';
import { conflict, notFound } from '../domain/problem.ts';
import type { MemberSnapshot } from '../events/context.ts';
import { emitEvent, type EmitContext } from '../outbox/emit.ts';
import type { Queryable } from '../storage/db.ts';
import * as members from '../storage/members.ts';
import type { MemberRow, SubscriptionRow } from '../storage/members.ts';
import { findProgram } from '../storage/programs.ts';
import type { ServiceContext } from './context.ts';

export interface EnrolInput {
  email?: string;
  phone?: string;
  cardId?: string;
  firstName?: string;
  lastName?: string;
  customAttributes?: Record<string, string | number | boolean | null>;
  loyaltySubscriptionId?: string;
  /** Back-dates the enrolment (e.g. members brought over from another system). */
  subscriptionCreatedAt?: string;
}

export function memberSnapshot(member: MemberRow, subscriptionId: string | null): MemberSnapshot {
  return {
    id: member.id,
    contactId: member.contactId,
    email: member.email,
    phone: member.phone,
    cardId: member.cardId,
    firstName: member.firstName,
    lastName: member.lastName,
    properties: member.customAttributes,
    subscriptionId,
  };
}

export function memberView(member: MemberRow, subscription: SubscriptionRow) {
  return {
    id: member.id,
    contactId: member.contactId,
    status: member.status,
    email: member.email,
    phone: member.phone,
    cardId: member.cardId,
    firstName: member.firstName,
    lastName: member.lastName,
    customAttributes: member.customAttributes,
    subscription: {
      id: subscription.id,
      loyaltySubscriptionId: subscription.loyaltySubscriptionId,
      status: subscription.status,
      createdAt: subscription.createdAt.toISOString(),
    },
    createdAt: member.createdAt.toISOString(),
    updatedAt: member.updatedAt.toISOString(),
  };
}

/** The program and its clock, for a use case that emits events. */
export async function emitContextFor(tx: Queryable, ctx: ServiceContext, programId: string, source: string): Promise<EmitContext> {
  const program = await findProgram(tx, programId);
  if (!program) throw notFound('program', programId);
  return { program: { id: program.id, name: program.name }, occurredAt: programNow(ctx.clock, program), now: ctx.clock.now(), source };
}

/**
 * Registers an active member and enrols them in the program (their subscription), in one
 * transaction with its events: CustomerRegistered and subscription_created.
 */
export async function enrolMember(ctx: ServiceContext, programId: string, input: EnrolInput, source = 'api') {
  return ctx.db.transaction(async (tx) => {
    const emit = await emitContextFor(tx, ctx, programId, source);
    const now = emit.occurredAt;
    const ids = { email: input.email?.trim() ?? null, phone: input.phone?.trim() ?? null, cardId: input.cardId ?? null };
    const clash = await members.findIdentifierClash(tx, programId, ids);
    if (clash) throw conflict(`a member of this program already has this ${clash}`, `/${clash}`);
    const loyaltySubscriptionId = input.loyaltySubscriptionId ?? uuidv7(now);
    if (await members.subscriptionIdTaken(tx, programId, loyaltySubscriptionId)) {
      throw conflict('this loyaltySubscriptionId is already used in this program', '/loyaltySubscriptionId');
    }
    const member = await members.insertMember(tx, {
      id: uuidv7(now),
      programId,
      status: 'active',
      ...ids,
      firstName: input.firstName ?? null,
      lastName: input.lastName ?? null,
      customAttributes: input.customAttributes ?? {},
      createdAt: now,
      updatedAt: now,
    });
    const subscription: SubscriptionRow = {
      id: uuidv7(now),
      programId,
      memberId: member.id,
      loyaltySubscriptionId,
      status: 'active',
      createdAt: input.subscriptionCreatedAt ? new Date(input.subscriptionCreatedAt) : now,
    };
    await members.insertSubscription(tx, subscription);

    const snapshot = memberSnapshot(member, loyaltySubscriptionId);
    await emitEvent(tx, emit, 'CustomerRegistered', snapshot, { active: true });
    await emitEvent(tx, emit, 'subscription_created', snapshot, {
      created_at: subscription.createdAt.toISOString(),
      loyalty_program: emit.program,
      loyalty_subscription_id: loyaltySubscriptionId,
    });
    return memberView(member, subscription);
  });
}
