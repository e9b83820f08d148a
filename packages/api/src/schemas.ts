import { z } from '@hono/zod-openapi';
import { ContactPointInput, ContactPreferences, contactChannels, CustomerFigures, customerTypes } from '@cc/core';

export const IdParam = z.object({
  id: z
    .string()
    .min(1)
    .max(80)
    .openapi({ param: { name: 'id', in: 'path' } }),
});

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
    figures: CustomerFigures.optional().openapi({ description: 'Absent for agents (reduced profile)' }),
    notes: z.string().optional(),
    status: z.enum(['active', 'closed', 'merged']),
    primaryManagerId: z.string().nullable(),
    assistingManagerIds: z.array(z.string()),
    mergedInto: z.string().optional(),
    version: z.number().int(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('Customer');

export const jsonBody = <T extends z.ZodType>(schema: T, description?: string) => ({
  required: true,
  description,
  content: { 'application/json': { schema } },
});

export const jsonResponse = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});
