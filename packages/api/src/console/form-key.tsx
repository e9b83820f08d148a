/** @jsxImportSource hono/jsx */
import { requestClaim } from '@cc/services';
import type { ConsoleContext } from './env';
import { randomToken } from './keys';
import { formField } from './middleware';

const REQUEST_KEY_FIELD = 'requestKey';

/**
 * A form that does work carries a key of its own, drawn when the form is rendered: sent twice (a double click, the
 * browser resending it), the work is done once and the second answer is the first's, as with an Idempotency-Key.
 */
export const RequestKey = () => <input type="hidden" name={REQUEST_KEY_FIELD} value={randomToken(16)} />;

/** The claim of a form that carries a request key; none for a form without one (it is then not deduplicated). */
export async function formClaim(c: ConsoleContext, scope: string, request: unknown, now: Date) {
  const key = await formField(c, REQUEST_KEY_FIELD);
  return key ? requestClaim(scope, key, request, now) : undefined;
}
