/** @jsxImportSource hono/jsx */
import type { Child } from 'hono/jsx';
import { awaitsResponse, isOpen, type Case, type FieldIssue } from '@cc/core';
import { formatAmount, formatDateTime, label } from '../i18n';
import { consoleHref, type PageContext } from '../layout';

const past = (at: string | undefined, now: Date) => !!at && Date.parse(at) < now.getTime();

/** Whether a case missed a deadline it still waits for: the first response (still new), or the resolution. */
export const isOverdue = (c: Pick<Case, 'status' | 'deleted' | 'respondBy' | 'resolveBy'>, now: Date) =>
  (awaitsResponse(c) && past(c.respondBy, now)) || (isOpen(c.status) && !c.deleted && past(c.resolveBy, now));

/** The deadline that matters now: the first response while new, then the resolution. */
export const nextDeadline = (c: Pick<Case, 'status' | 'deleted' | 'respondBy' | 'resolveBy'>) =>
  awaitsResponse(c) ? c.respondBy : isOpen(c.status) ? c.resolveBy : undefined;

export const caseHref = (id: string) => consoleHref(`/cases/${encodeURIComponent(id)}`);
export const customerHref = (id: string) => consoleHref(`/customers/${encodeURIComponent(id)}`);

export function CaseMarks({ p, c, now }: { p: PageContext; c: Case; now: Date }) {
  return (
    <>
      {isOverdue(c, now) && <span class="badge overdue">{p.t.cases.overdue}</span>}{' '}
      {c.escalated && <span class="badge escalated">{p.t.cases.escalated}</span>}
    </>
  );
}

/** Cases as a table: reference, type, title, customer, status, deadline with its overdue mark. */
export function CaseTable(props: { p: PageContext; cases: Case[]; now: Date; id: string; empty: string }) {
  const { p, cases, now } = props;
  const { t } = p;
  if (cases.length === 0) return <p id={props.id}>{props.empty}</p>;
  return (
    <table id={props.id}>
      <thead>
        <tr>
          <th scope="col">{t.cases.reference}</th>
          <th scope="col">{t.cases.type}</th>
          <th scope="col">{t.cases.title}</th>
          <th scope="col">{t.cases.customer}</th>
          <th scope="col">{t.cases.status}</th>
          <th scope="col">{t.cases.deadline}</th>
        </tr>
      </thead>
      <tbody>
        {cases.map((c) => (
          <tr>
            <td>
              <a href={caseHref(c.id)}>{c.id}</a>
            </td>
            <td>{label(t.enums.caseType, c.type)}</td>
            <td>{c.title}</td>
            <td>
              {c.customerNumber ?? ''} {c.customerName ?? ''}
            </td>
            <td>
              {label(t.enums.caseStatus, c.status)} <CaseMarks p={p} c={c} now={now} />
            </td>
            <td>{formatDateTime(p.locale, nextDeadline(c))}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** Options of a select, labelled through a translation table. */
export const Options = (props: { values: readonly string[]; table: Record<string, string>; selected?: string }) => (
  <>
    {props.values.map((v) => (
      <option value={v} selected={v === props.selected}>
        {label(props.table, v)}
      </option>
    ))}
  </>
);

/** Amounts in several currencies as one text ("¥500,000.00 + $1,000.00"), 0 when there are none. */
export const formatAmounts = (p: PageContext, byCurrency: Record<string, number>) =>
  Object.entries(byCurrency)
    .map(([currency, amount]) => formatAmount(p.locale, amount, currency))
    .join(' + ') || '0';

/** The issues of these fields (a path names the field exactly). */
export const errorFor = (errors: FieldIssue[], ...paths: string[]) => errors.filter((e) => paths.includes(e.path));

function FieldError({ id, errors }: { id: string; errors: FieldIssue[] }) {
  if (errors.length === 0) return null;
  return (
    <span class="errors" id={id}>
      {errors.map((e) => e.message).join('; ')}
    </span>
  );
}

/** A labelled control with its field errors (the control names them in aria-describedby: see describedBy). */
export function Field(props: { id: string; label: string; errors: FieldIssue[]; children: Child }) {
  return (
    <div>
      <label for={props.id}>{props.label}</label>
      {props.children}
      <FieldError id={`${props.id}-error`} errors={props.errors} />
    </div>
  );
}
