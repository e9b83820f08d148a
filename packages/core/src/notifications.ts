/** What a notification is about; the inbox shows these fields on the manager's home page. */
export const notificationKinds = [
  'case_created',
  'case_imported',
  'case_message',
  'case_escalated',
  'case_response_overdue',
  'case_resolution_overdue',
  'case_assigned',
  'case_reopened',
  'case_deleted',
  'cases_arrived',
  'cases_left',
  'level_changed',
  'assignment_changed',
  'change_request_pending',
  'opportunity_created',
  'opportunity_stage_changed',
  'opportunity_team_joined',
  'opportunity_overdue',
] as const;
export type NotificationKind = (typeof notificationKinds)[number];

export interface Notification {
  id: string;
  recipientId: string;
  kind: NotificationKind;
  title: string;
  /** Content excerpt, at most 280 characters. */
  excerpt: string;
  customerId?: string;
  customerNumber?: string;
  customerName?: string;
  caseId?: string;
  /** Several cases at once (cases that moved with their customer). */
  caseIds?: string[];
  opportunityId?: string;
  /** When what it reports happened, when that is not when it was raised (an imported case's own date). */
  occurredAt?: string;
  createdAt: string;
}

export const excerptOf = (text: string, max = 280) => {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length <= max ? flat : `${flat.slice(0, max - 1)}…`;
};
