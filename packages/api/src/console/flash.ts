// Named, not `z.core.$ZodError`: reaching into zod/mini's `core` namespace would bundle all of it.
import { $ZodError } from 'zod/v4/core';
import type { ConsoleContext } from './env';
import { label, type Messages } from './i18n';
import type { PageContext } from './layout';

/** What an action may report on the page it redirects to; anything else in `?done=`/`?failed=` is ignored. */
const doneMessages = (t: Messages, ref: string): Record<string, string> => ({
  logged: t.logCall.logged,
  loggedWithCase: t.logCall.loggedWithCase(ref),
  attached: t.unidentified.attached(Number(ref) || 0),
  markedRead: t.home.markedRead,
  noteAdded: t.casePage.noteAdded,
  moved: t.casePage.moved(label(t.enums.caseStatus, ref)),
  replied: t.casePage.replied,
  assigned: t.casePage.assigned,
  reclassified: t.casePage.reclassified,
  converted: t.casePage.converted(ref),
  approved: t.requests.decided(t.requests.approve),
  rejected: t.requests.decided(t.requests.reject),
  signedOut: t.signIn.signedOut,
});

const failedMessages = (t: Messages): Record<string, string> => ({
  notFound: t.errors.notFound,
  forbidden: t.errors.forbidden,
  invalid: t.errors.invalid,
  conflict: t.errors.conflict,
  csrf: t.errors.csrf,
  generic: t.errors.generic,
  contactBlocked: t.casePage.blocked,
  signInFailed: t.signIn.failed,
  expired: t.signIn.expired,
});

export function flashOf(c: ConsoleContext): PageContext['flash'] {
  const t = c.get('t');
  const done = c.req.query('done');
  const failed = c.req.query('failed');
  const ref = (c.req.query('ref') ?? '').slice(0, 80);
  if (failed && Object.hasOwn(failedMessages(t), failed)) return { text: failedMessages(t)[failed]!, error: true };
  if (done && Object.hasOwn(doneMessages(t, ref), done)) return { text: doneMessages(t, ref)[done]! };
  return undefined;
}

/** The flash key for an error a page action ran into. */
export function failureKey(error: unknown): string {
  // What a page's `schema.parse(...)` throws (its name is `$ZodError` in zod/mini, `ZodError` in classic zod).
  if (error instanceof $ZodError) return 'invalid';
  const code = (error as { code?: unknown }).code;
  if (typeof code !== 'string') return 'generic';
  if (code === 'console.csrf') return 'csrf';
  if (code === 'contact.blocked') return 'contactBlocked';
  if (code.endsWith('.not_found')) return 'notFound';
  if (code.endsWith('forbidden') || code === 'change_request.self_approval') return 'forbidden';
  if (code.endsWith('.stale') || code.endsWith('.invalid_transition') || code.endsWith('.conflict')) return 'conflict';
  if (code.startsWith('request.') || code.endsWith('.invalid') || code.endsWith('_required')) return 'invalid';
  return 'generic';
}
