import * as z from 'zod';
import {
  ContactPointInput,
  ContactPreferences,
  contactChannels,
  CustomerFigures,
  customerTypes,
  identifier,
  timelineChannels,
  timelineTypes,
} from '@cc/core';

/** The contract's shared pieces: problems, pages, ids, and the customer every resource refers to. */
export const ProblemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    code: z.string().meta({ example: 'request.invalid' }),
    detail: z.string().optional(),
    instance: z.string().optional(),
    errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
    allowed: z
      .array(z.string())
      .optional()
      .meta({ description: '`*.invalid_transition`: the states the resource may move to from `from`' }),
    from: z.string().optional().meta({ description: '`*.invalid_transition`: the current state' }),
    to: z.string().optional().meta({ description: '`*.invalid_transition`: the state asked for' }),
  })
  // Problem types add members of their own (RFC 9457, 3.2: extension members); clients ignore what they do not know.
  .catchall(z.unknown())
  .meta({ id: 'Problem', description: 'RFC 9457 problem details with a stable `code`; a type may add members' });

export const pageOf = <T extends z.ZodType>(item: T) =>
  z.object({ items: z.array(item), nextCursor: z.string().nullable() });

export const CursorQuery = z.object({
  cursor: z.string().max(2048).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(25),
});

export const IdParam = z.object({ id: identifier() });

export const IfMatchHeader = z.object({ 'if-match': z.string().optional() });
export const IdempotencyHeader = z.object({ 'idempotency-key': z.string().optional() });

export const CustomerSchema = z
  .object({
    id: z.string(),
    customerNumber: z.string(),
    name: z.string(),
    type: z.enum(customerTypes),
    level: z.string(),
    branchId: z.string(),
    contactPoints: z.array(ContactPointInput),
    preferredChannel: z.enum(contactChannels).optional(),
    preferences: ContactPreferences,
    tags: z.array(z.string()),
    figures: CustomerFigures.optional().meta({ description: 'Absent for agents (reduced profile)' }),
    notes: z.string().optional(),
    status: z.enum(['active', 'closed', 'merged']),
    primaryManagerId: z.string().nullable(),
    assistingManagerIds: z.array(z.string()),
    pendingAssignment: z
      .object({ requestId: z.string(), requestedAt: z.string() })
      .optional()
      .meta({ description: "Needs a primary manager; the assignment request awaits the branch's supervisors" }),
    levelApproval: z
      .object({ requestId: z.string(), level: z.string(), approvedAt: z.string(), validUntil: z.string() })
      .optional()
      .meta({ description: 'The level was approved by request; the automatic rules leave it alone until validUntil' }),
    mergedInto: z.string().optional(),
    version: z.number().int(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'Customer' });

/** Who did something: a member of staff, a channel acting for the customer, or the system. */
export const ActorSchema = z
  .object({ kind: z.enum(['user', 'customer', 'system']), id: z.string().optional(), channel: z.string().optional() })
  .meta({ id: 'Actor' });

/** One line of a customer's contact history, whatever the channel. */
export const TimelineEntrySchema = z
  .object({
    id: z.string(),
    customerId: z.string().nullable(),
    sender: z.object({ kind: z.enum(['phone', 'email']), value: z.string() }).optional(),
    type: z.enum(timelineTypes),
    channel: z.enum(timelineChannels),
    direction: z.enum(['inbound', 'outbound', 'internal']),
    occurredAt: z.string(),
    actor: ActorSchema,
    summary: z.string(),
    links: z.object({
      caseId: z.string().optional(),
      opportunityId: z.string().optional(),
      contactId: z.string().optional(),
    }),
    details: z.record(z.string(), z.unknown()).optional(),
  })
  .meta({ id: 'TimelineEntry' });
