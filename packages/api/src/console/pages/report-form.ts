import {
  addDays,
  CustomerReportQuery,
  DailyReportQuery,
  ForbiddenError,
  localDay,
  ManagerReportQuery,
  monthOf,
  type Caller,
} from '@cc/core';
import type { ReportScope, StaffServices } from '@cc/services';

/** The report form's fields: the query parameters of the page and of its downloads (the API's names). */
export const reportFields = ['from', 'to', 'month', 'branchId'] as const;
export type ReportField = (typeof reportFields)[number];
export type ReportFormValues = Record<ReportField, string>;
/** What is wrong with a field: not a valid value, or a branch whose figures are not the caller's to read. */
export type ReportFieldError = 'invalid' | 'foreign';

/** The days shown when the form does not say: the last week, today included. */
export const DEFAULT_REPORT_DAYS = 7;

export interface ReportQueries {
  range: DailyReportQuery;
  month: ManagerReportQuery;
  customers: CustomerReportQuery;
}

export type ReportForm = { values: ReportFormValues; scope: ReportScope } & (
  { queries: ReportQueries } | { errors: Partial<Record<ReportField, ReportFieldError>>; status: 400 | 403 }
);

const isReportField = (name: unknown): name is ReportField => reportFields.includes(name as ReportField);

/**
 * The page's query as the reports' queries, checked by the same schemas the API uses, or what is wrong with it.
 * Whatever is left out defaults to the last week and this month in the branch's time zone; a branch the caller may
 * not read is a field error (the caller's own scope then gives the defaults), never a failed page.
 */
export async function readReportForm(
  reports: StaffServices['reports'],
  caller: Caller,
  query: Record<string, string | undefined>,
  now: Date,
): Promise<ReportForm> {
  const asked = (field: ReportField) => query[field]?.trim() || undefined;
  const errors: Partial<Record<ReportField, ReportFieldError>> = {};
  const branchId = asked('branchId');
  const scoped = branchId === undefined ? {} : { branchId };
  let scope: ReportScope | undefined;
  if (branchId !== undefined && CustomerReportQuery.safeParse(scoped).success) {
    scope = await reports.scope(caller, branchId).catch((error: unknown) => {
      if (!(error instanceof ForbiddenError)) throw error;
      errors.branchId = 'foreign';
      return undefined;
    });
  }
  // Agents have no figures at all: this refuses them (the error page), not the form.
  scope ??= await reports.scope(caller);
  const today = localDay(now, scope.timeZone);
  const values: ReportFormValues = {
    from: asked('from') ?? addDays(today, 1 - DEFAULT_REPORT_DAYS),
    to: asked('to') ?? today,
    month: asked('month') ?? monthOf(today),
    branchId: branchId ?? '',
  };
  const range = DailyReportQuery.safeParse({ from: values.from, to: values.to, ...scoped });
  const month = ManagerReportQuery.safeParse({ month: values.month, ...scoped });
  const customers = CustomerReportQuery.safeParse(scoped);
  for (const issue of [range, month, customers].flatMap((parsed) => parsed.error?.issues ?? [])) {
    const field = issue.path[0];
    if (isReportField(field)) errors[field] ??= 'invalid';
  }
  if (range.success && month.success && customers.success && Object.keys(errors).length === 0) {
    return { values, scope, queries: { range: range.data, month: month.data, customers: customers.data } };
  }
  return { values, scope, errors, status: errors.branchId === 'foreign' ? 403 : 400 };
}
