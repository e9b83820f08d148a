import * as z from 'zod/mini';
import {
  ContactPointInput,
  ContactPreferences,
  contactChannels,
  CustomerFigures,
  customerTypes,
  identifier,
  timelineChannels,
  timelineTypes,
  withMeta,
  integerText,
} from '@cc/core';

/** The contract's shared pieces: problems, pages, ids, and the customer every resource refers to. */
export const ProblemSchema = withMeta(
  // Problem types add members of their own (RFC 9457, 3.2: extension members); clients ignore what they do not know.
  z.catchall(
    z.object({
      type: z.string(),
      title: z.string(),
      status: z.int(),
      code: withMeta(z.string(), { example: 'request.invalid' }),
      detail: z.optional(z.string()),
      instance: z.optional(z.string()),
      errors: z.optional(z.array(z.object({ path: z.string(), message: z.string() }))),
      allowed: withMeta(z.optional(z.array(z.string())), {
        description: '`*.invalid_transition`: the states the resource may move to from `from`',
      }),
      from: withMeta(z.optional(z.string()), { description: '`*.invalid_transition`: the current state' }),
      to: withMeta(z.optional(z.string()), { description: '`*.invalid_transition`: the state asked for' }),
    }),
    z.unknown(),
  ),
  { id: 'Problem', description: 'RFC 9457 problem details with a stable `code`; a type may add members' },
);

export const pageOf = <T extends z.ZodMiniType>(item: T) =>
  z.object({ items: z.array(item), nextCursor: z.nullable(z.string()) });

export const CursorQuery = z.object({
  cursor: z.optional(z.string().check(z.maxLength(2048))),
  limit: z._default(integerText(1, 100), 25),
});

export const IdParam = z.object({ id: identifier() });

export const IfMatchHeader = z.object({ 'if-match': z.optional(z.string()) });
export const IdempotencyHeader = z.object({ 'idempotency-key': z.optional(z.string()) });

export const CustomerSchema = withMeta(
  z.object({
    id: z.string(),
    customerNumber: z.string(),
    name: z.string(),
    type: z.enum(customerTypes),
    level: z.string(),
    branchId: z.string(),
    contactPoints: z.array(ContactPointInput),
    preferredChannel: z.optional(z.enum(contactChannels)),
    preferences: ContactPreferences,
    tags: z.array(z.string()),
    figures: withMeta(z.optional(CustomerFigures), { description: 'Absent for agents (reduced profile)' }),
    notes: z.optional(z.string()),
    status: z.enum(['active', 'closed', 'merged']),
    primaryManagerId: z.nullable(z.string()),
    assistingManagerIds: z.array(z.string()),
    pendingAssignment: withMeta(z.optional(z.object({ requestId: z.string(), requestedAt: z.string() })), {
      description: "Needs a primary manager; the assignment request awaits the branch's supervisors",
    }),
    levelApproval: withMeta(
      z.optional(
        z.object({ requestId: z.string(), level: z.string(), approvedAt: z.string(), validUntil: z.string() }),
      ),
      { description: 'The level was approved by request; the automatic rules leave it alone until validUntil' },
    ),
    mergedInto: z.optional(z.string()),
    version: z.int(),
    createdAt: z.string(),
    updatedAt: z.string(),
  }),
  { id: 'Customer' },
);

/** Who did something: a member of staff, a channel acting for the customer, or the system. */
export const ActorSchema = withMeta(
  z.object({
    kind: z.enum(['user', 'customer', 'system']),
    id: z.optional(z.string()),
    channel: z.optional(z.string()),
  }),
  { id: 'Actor' },
);

/** One line of a customer's contact history, whatever the channel. */
export const TimelineEntrySchema = withMeta(
  z.object({
    id: z.string(),
    customerId: z.nullable(z.string()),
    sender: z.optional(z.object({ kind: z.enum(['phone', 'email']), value: z.string() })),
    type: z.enum(timelineTypes),
    channel: z.enum(timelineChannels),
    direction: z.enum(['inbound', 'outbound', 'internal']),
    occurredAt: z.string(),
    actor: ActorSchema,
    summary: z.string(),
    links: z.object({
      caseId: z.optional(z.string()),
      opportunityId: z.optional(z.string()),
      contactId: z.optional(z.string()),
    }),
    details: z.optional(z.record(z.string(), z.unknown())),
  }),
  { id: 'TimelineEntry' },
);
