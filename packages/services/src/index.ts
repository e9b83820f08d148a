export * from './compose';
export * from './settings';
export * from './context';
export { requestClaim } from './request-claims';
export { identityOf, visibleCustomer, normaliseContactPoints, type CustomerService } from './customers';
export { HELP_TEXT, type SmsIntake } from './sms-intake';
export { EMAIL_LIMITS, type EmailIntake, type EmailModule, type EmailReceipt } from './email-intake';
export { MAX_IMPORT_LINES, type ImportResult } from './case-imports';
export { pipelineTotals, TOTALS_MAX_ITEMS, type PipelineTotals } from './opportunities';
export { statusChange, type CaseCreator } from './case-changes';
export type { CaseListQuery } from './cases';
export { FOLLOW_UP_GRACE_MS, FOLLOW_UP_MAX_ATTEMPTS } from './follow-ups';
export type { LoggedContact } from './contacts';
export type { ComplaintReceipt, ComplaintStatus } from './public-complaints';
export * from './aws';
export { noticeService, type NoticeService, type NotificationDraft } from './notices';
/** A unit of work's deadline, for hosts and the HTTP app (the store's and queue's clients keep to it). */
export { withDeadline, timeLeftMs } from '@cc/store';
export { correlation } from './correlation';
export type { BatchResult, RecordOutcome } from './reporter';
export type {
  CustomerReport,
  DailyFigures,
  DailyReport,
  ManagerFigures,
  ManagerReport,
  PipelineReport,
  ReportScope,
  Timing,
} from './reports';
export type { BucketDifference, RebuildOptions, RebuildResult } from './report-rebuild';
export { reportAggregatesInvariant } from './report-check';
