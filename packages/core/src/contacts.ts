import * as z from 'zod';
import { casePriorities, caseTypes, inquirySubjects } from './cases';
import { emailInput, identifier, isoDateTime, multiLineText, phoneInput, singleLineText } from './fields';

export const contactOutcomes = [
  'resolved',
  'follow_up',
  'callback_requested',
  'transferred',
  'no_answer',
  'voicemail',
  'complaint_registered',
  'other',
] as const;

/** A complaint or inquiry opened in the same request as the call that raised it. */
export const ContactCaseInput = z
  .object({
    type: z.enum(caseTypes),
    category: singleLineText(40),
    title: singleLineText(200, 3),
    description: multiLineText(5000),
    priority: z.enum(casePriorities).optional(),
    subject: z.enum(inquirySubjects).optional(),
    productCode: singleLineText(40).optional(),
  })
  .strict();
export type ContactCaseInput = z.infer<typeof ContactCaseInput>;

/** A call an agent logs: the customer by id, or by a phone/email that is resolved. */
export const ContactCreateInput = z
  .object({
    customerId: identifier().optional(),
    phone: phoneInput.optional(),
    email: emailInput.optional(),
    direction: z.enum(['inbound', 'outbound']),
    channel: z.literal('voice').default('voice'),
    startedAt: isoDateTime,
    endedAt: isoDateTime.optional(),
    durationSeconds: z.number().int().min(0).max(86_400).optional(),
    outcome: z.enum(contactOutcomes),
    notes: multiLineText(5000, 0).default(''),
    caseId: identifier(40).optional().meta({ description: 'An existing complaint/inquiry this call was about' }),
    case: ContactCaseInput.optional().meta({
      description: 'Open a complaint or inquiry for this customer in the same request',
    }),
  })
  .strict()
  .meta({ id: 'ContactCreate' });
export type ContactCreateInput = z.infer<typeof ContactCreateInput>;

/** Attaching an unidentified sender's contacts to a customer. */
export const AttachInput = z
  .object({
    kind: z.enum(['phone', 'email']),
    value: singleLineText(254, 3),
    customerId: identifier(),
    addContactPoint: z
      .boolean()
      .default(false)
      .meta({ description: "Also ask (a change request) to add the phone/email to the customer's contact points" }),
  })
  .strict()
  .meta({ id: 'AttachUnidentified' });
export type AttachInput = z.infer<typeof AttachInput>;
