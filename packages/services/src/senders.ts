import { tryNormaliseEmail, tryNormalisePhone } from '@cc/channels';

export type SenderKind = 'phone' | 'email';

/** A sender's phone or email as its identity is kept (E.164, lower-case address), or null when it cannot be one. */
export type SenderNormaliser = (kind: SenderKind, raw: string) => string | null;

export const normaliseSender: SenderNormaliser = (kind, raw) =>
  kind === 'phone' ? tryNormalisePhone(raw) : tryNormaliseEmail(raw);

/**
 * For the email function, which takes senders by address only: it carries no phone parser (the numbering plans
 * are a fifth of its bundle). Asking it for a phone is a composition mistake, not bad input.
 */
export const normaliseEmailSender: SenderNormaliser = (kind, raw) => {
  if (kind !== 'email') throw new Error('This function composes email senders only (compose.ts composeEmailIntake)');
  return tryNormaliseEmail(raw);
};
