import type { Context } from 'hono';
import type { Caller } from '@cc/core';
import type { ConsoleAssets } from './assets';
import type { ConsoleLocale, Messages } from './i18n';
import type { ConsoleKeys } from './keys';
import type { ConsoleSession } from './session';
import type { SignIn } from './sign-in';

/** What the console needs besides the services, made once by httpDeps. */
export interface ConsoleDeps {
  keys: () => Promise<ConsoleKeys>;
  /** How staff sign in here: the hosted UI in AWS, the seeded users locally; none configured, nobody can. */
  signIn?: SignIn;
  assets: ConsoleAssets;
}

/** What the console's middleware puts on the context for its pages. */
export interface ConsoleEnv {
  Variables: {
    caller: Caller;
    session: ConsoleSession;
    locale: ConsoleLocale;
    t: Messages;
    /** The CSRF token every form of this response carries. */
    csrf: string;
    /** The CSP nonce of this response (hono/secure-headers). */
    secureHeadersNonce?: string;
    viaFrontDoor: boolean;
  };
}

export type ConsoleContext = Context<ConsoleEnv>;
