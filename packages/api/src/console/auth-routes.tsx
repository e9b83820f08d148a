/** @jsxImportSource hono/jsx */
import type { Hono } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { decodeJwt } from 'jose';
import { DomainError, NotFoundError, type Caller } from '@cc/core';
import type { ConsoleHttpDeps } from '../http/env';
import type { ConsoleContext, ConsoleEnv } from './env';
import { flashOf } from './flash';
import { isConsoleLocale } from './i18n';
import { randomToken, seal, unseal } from './keys';
import { consoleHref, Csrf, Layout, type PageContext } from './layout';
import { formField, LOCALE_COOKIE } from './middleware';
import { insideConsole, pageContext, redirectTo, renderPage } from './render';
import { clearSession, CONSOLE_PATH, newSession, writeSession } from './session';
import {
  authorizeUrl,
  exchangeCode,
  logoutUrl,
  pkceChallenge,
  revoke,
  type DevSignIn,
  type HostedSignIn,
  type Tokens,
} from './sign-in';

/** Where each role starts. */
export const landingFor = (caller: Caller) =>
  consoleHref({ agent: '/desk', manager: '/home', supervisor: '/queue', admin: '/queue' }[caller.role]);

/** The hosted UI round trip's state, sealed in a cookie of its own for the callback (10 minutes). */
const FLOW_COOKIE = 'cc_oauth';
const FLOW_PATH = `${CONSOLE_PATH}/auth`;
const FLOW_MAX_AGE_S = 600;
interface SignInFlow {
  state: string;
  nonce: string;
  verifier: string;
  next: string;
  at: number;
}

const callbackUri = (http: ConsoleHttpDeps) =>
  new URL(`${CONSOLE_PATH}/auth/callback`, http.config.PUBLIC_BASE_URL).href;
/** The app client's sign-out URL: the hosted UI sends the browser here after its own sign-out. */
export const signedOutUri = (http: ConsoleHttpDeps) =>
  new URL(`${CONSOLE_PATH}/signed-out`, http.config.PUBLIC_BASE_URL).href;

function SignInPage({ p, signIn, next }: { p: PageContext; signIn?: DevSignIn | HostedSignIn; next: string }) {
  const { t } = p;
  return (
    <Layout p={p} title={t.signIn.title}>
      {!signIn && <p>{t.signIn.unavailable}</p>}
      {signIn?.kind === 'hosted' && (
        <p>
          <a class="button" id="hosted-sign-in" href={`${consoleHref('/auth/start')}?next=${encodeURIComponent(next)}`}>
            {t.signIn.hosted}
          </a>
        </p>
      )}
      {signIn?.kind === 'dev' && (
        <>
          <p>{t.signIn.localIntro}</p>
          <ul class="signin-users">
            {signIn.users.map((u) => (
              <li>
                <form method="post" action={consoleHref('/sign-in')}>
                  <Csrf p={p} />
                  <input type="hidden" name="userId" value={u.id} />
                  <input type="hidden" name="next" value={next} />
                  <button type="submit" id={`sign-in-${u.id}`}>
                    {t.signIn.as(`${u.id} · ${u.name}`, t.roles[u.role] ?? u.role)}
                  </button>
                </form>
              </li>
            ))}
          </ul>
        </>
      )}
    </Layout>
  );
}

/** Signs the browser in with `tokens`: proven by the same verifier and staff directory as every API request. */
async function startSession(c: ConsoleContext, http: ConsoleHttpDeps, tokens: Tokens): Promise<Caller> {
  const caller = await http.auth.verify(tokens.idToken);
  const now = http.clock().getTime();
  await writeSession(c, await http.console.keys(), newSession(tokens, now), now);
  return caller;
}

const nextOf = (value: string | undefined) => (insideConsole(value) ? value : undefined);

export function authRoutes(ui: Hono<ConsoleEnv>, http: ConsoleHttpDeps) {
  const signIn = http.console.signIn;
  const hosted = signIn?.kind === 'hosted' ? signIn : undefined;

  ui.get('/', (c) => c.redirect(c.get('session') ? landingFor(c.get('caller')) : consoleHref('/sign-in'), 303));

  ui.get('/sign-in', async (c) => {
    const next = nextOf(c.req.query('next'));
    if (c.get('session')) return c.redirect(next ?? landingFor(c.get('caller')), 303);
    const p = await pageContext(c, http, flashOf(c));
    return renderPage(c, <SignInPage p={p} signIn={signIn} next={next ?? ''} />);
  });

  ui.post('/sign-in', async (c) => {
    if (signIn?.kind !== 'dev') throw new NotFoundError('route');
    const userId = await formField(c, 'userId');
    if (!userId || !signIn.users.some((u) => u.id === userId)) throw new NotFoundError('user', userId);
    const caller = await startSession(c, http, { idToken: await signIn.issue(userId) });
    return c.redirect(nextOf(await formField(c, 'next')) ?? landingFor(caller), 303);
  });

  ui.get('/auth/start', async (c) => {
    if (!hosted) throw new NotFoundError('route');
    const flow: SignInFlow = {
      state: randomToken(),
      nonce: randomToken(),
      verifier: randomToken(48),
      next: nextOf(c.req.query('next')) ?? '',
      at: http.clock().getTime(),
    };
    const sealed = await seal((await http.console.keys()).seal, FLOW_COOKIE, flow);
    setCookie(c, FLOW_COOKIE, sealed, {
      path: FLOW_PATH,
      httpOnly: true,
      secure: true,
      sameSite: 'Lax',
      maxAge: FLOW_MAX_AGE_S,
    });
    const challenge = await pkceChallenge(flow.verifier);
    return c.redirect(authorizeUrl(hosted, { redirectUri: callbackUri(http), challenge, ...flow }), 302);
  });

  ui.get('/auth/callback', async (c) => {
    if (!hosted) throw new NotFoundError('route');
    const keys = await http.console.keys();
    const sealed = getCookie(c, FLOW_COOKIE);
    deleteCookie(c, FLOW_COOKIE, { path: FLOW_PATH, secure: true, httpOnly: true, sameSite: 'Lax' });
    const flow = sealed ? ((await unseal(keys.seal, FLOW_COOKIE, sealed)) as SignInFlow | undefined) : undefined;
    const code = c.req.query('code');
    const fresh = flow && http.clock().getTime() - flow.at < FLOW_MAX_AGE_S * 1000;
    if (!flow || !fresh || !code || c.req.query('state') !== flow.state) {
      return redirectTo(c, consoleHref('/sign-in'), { failed: 'signInFailed' });
    }
    try {
      const tokens = await exchangeCode(hosted, code, flow.verifier, callbackUri(http));
      if (decodeJwt(tokens.idToken).nonce !== flow.nonce) {
        throw new DomainError('auth.sign_in_failed', 'The ID token does not carry the nonce this sign-in sent');
      }
      const caller = await startSession(c, http, tokens);
      return c.redirect(nextOf(flow.next) ?? landingFor(caller), 303);
    } catch (error) {
      http.log.warn('console sign-in failed', { code: (error as { code?: string }).code ?? 'unknown' });
      return redirectTo(c, consoleHref('/sign-in'), { failed: 'signInFailed' });
    }
  });

  ui.post('/sign-out', async (c) => {
    const session = c.get('session');
    clearSession(c);
    if (hosted) {
      if (session?.refreshToken) {
        const revoked = await revoke(hosted, session.refreshToken).catch(() => false);
        if (!revoked) http.log.warn('console sign-out: the refresh token was not revoked', {});
      }
      return c.redirect(logoutUrl(hosted, signedOutUri(http)), 303);
    }
    return redirectTo(c, consoleHref('/sign-in'), { done: 'signedOut' });
  });

  ui.get('/signed-out', (c) => redirectTo(c, consoleHref('/sign-in'), { done: 'signedOut' }));

  ui.get('/language/:locale', (c) => {
    const locale = c.req.param('locale');
    if (isConsoleLocale(locale)) {
      setCookie(c, LOCALE_COOKIE, locale, {
        path: CONSOLE_PATH,
        httpOnly: true,
        secure: true,
        sameSite: 'Lax',
        maxAge: 365 * 24 * 3600,
      });
    }
    const back = c.req.query('back');
    return c.redirect(insideConsole(back) ? back : consoleHref(''), 303);
  });
}
