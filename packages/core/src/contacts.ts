import * as z from 'zod/mini';
import { casePriorities, caseTypes, inquirySubjects } from './cases';
import {
  emailInput,
  identifier,
  isoDateTime,
  multiLineText,
  phoneInput,
  safeInteger,
  singleLineText,
  withMeta,
} from './fields';

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
export const ContactCaseInput = z.strictObject({
  type: z.enum(caseTypes),
  category: singleLineText(40),
  title: singleLineText(200, 3),
  description: multiLineText(5000),
  priority: z.optional(z.enum(casePriorities)),
  subject: z.optional(z.enum(inquirySubjects)),
  productCode: z.optional(singleLineText(40)),
});
export type ContactCaseInput = z.infer<typeof ContactCaseInput>;

/** A call an agent logs: the customer by id, or by a phone/email that is resolved. */
export const ContactCreateInput = withMeta(
  z.strictObject({
    customerId: z.optional(identifier()),
    phone: z.optional(phoneInput),
    email: z.optional(emailInput),
    direction: z.enum(['inbound', 'outbound']),
    channel: z._default(z.literal('voice'), 'voice'),
    startedAt: isoDateTime,
    endedAt: z.optional(isoDateTime),
    durationSeconds: z.optional(safeInteger(0, 86_400)),
    outcome: z.enum(contactOutcomes),
    notes: z._default(multiLineText(5000, 0), ''),
    caseId: withMeta(z.optional(identifier(40)), { description: 'An existing complaint/inquiry this call was about' }),
    case: withMeta(z.optional(ContactCaseInput), {
      description: 'Open a complaint or inquiry for this customer in the same request',
    }),
  }),
  { id: 'ContactCreate' },
);
export type ContactCreateInput = z.infer<typeof ContactCreateInput>;

/** Attaching an unidentified sender's contacts to a customer. */
export const AttachInput = withMeta(
  z.strictObject({
    kind: z.enum(['phone', 'email']),
    value: singleLineText(254, 3),
    customerId: identifier(),
    addContactPoint: withMeta(z._default(z.boolean(), false), {
      description: "Also ask (a change request) to add the phone/email to the customer's contact points",
    }),
  }),
  { id: 'AttachUnidentified' },
);
export type AttachInput = z.infer<typeof AttachInput>;
