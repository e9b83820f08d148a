import type { Actor } from './caller';

export const timelineChannels = ['voice', 'web', 'sms', 'email', 'system'] as const;
export type TimelineChannel = (typeof timelineChannels)[number];
export const timelineTypes = ['contact', 'case', 'opportunity', 'note'] as const;
export type TimelineType = (typeof timelineTypes)[number];

/** One line in a customer's contact history, whatever the channel. */
export interface TimelineEntry {
  id: string;
  customerId: string | null;
  /** For contacts from unidentified senders: the phone/email they came from. */
  sender?: { kind: 'phone' | 'email'; value: string };
  type: TimelineType;
  channel: TimelineChannel;
  direction: 'inbound' | 'outbound' | 'internal';
  occurredAt: string;
  actor: Actor;
  summary: string;
  links: { caseId?: string; opportunityId?: string; contactId?: string };
  details?: Record<string, unknown>;
}
