/** @jsxImportSource hono/jsx */
import type { Child } from 'hono/jsx';
import type { Caller } from '@cc/core';
import type { ConsoleLocale, Messages } from './i18n';
import { CSRF_FIELD } from './middleware';
import { CONSOLE_PATH } from './session';

export type NavKey = 'desk' | 'unidentified' | 'home' | 'pipeline' | 'queue' | 'requests' | 'reports';

/** Everything a page needs from the request, gathered once (pageContext). */
export interface PageContext {
  t: Messages;
  locale: ConsoleLocale;
  caller?: Caller;
  csrf: string;
  nonce?: string;
  styles: string;
  script: string;
  /** The path and query of this page, for the language switch to come back to. */
  here: string;
  /** A message from the action that led here (post/redirect/get), and whether it reports a failure. */
  flash?: { text: string; error?: boolean };
}

const navFor: Record<Caller['role'], NavKey[]> = {
  agent: ['desk', 'unidentified'],
  manager: ['home', 'desk', 'pipeline', 'reports'],
  supervisor: ['queue', 'requests', 'reports', 'home', 'desk', 'pipeline', 'unidentified'],
  admin: ['queue', 'requests', 'reports', 'home', 'desk', 'pipeline', 'unidentified'],
};

export const consoleHref = (path: string) => `${CONSOLE_PATH}${path}`;

/** The CSRF token as a hidden field: every form carries one. */
export const Csrf = ({ p }: { p: PageContext }) => <input type="hidden" name={CSRF_FIELD} value={p.csrf} />;

function Header({ p, current }: { p: PageContext; current?: NavKey }) {
  const { t, caller } = p;
  const other: ConsoleLocale = p.locale === 'zh-CN' ? 'en' : 'zh-CN';
  const switchHref = `${consoleHref(`/language/${other}`)}?back=${encodeURIComponent(p.here)}`;
  return (
    <header class="top">
      <div class="bar">
        <a class="brand" href={consoleHref('')}>
          {t.product}
        </a>
        {caller && (
          <nav aria-label={t.nav.label}>
            <ul>
              {navFor[caller.role].map((key) => (
                <li>
                  <a href={consoleHref(`/${key}`)} aria-current={key === current ? 'page' : undefined}>
                    {t.nav[key]}
                  </a>
                </li>
              ))}
            </ul>
          </nav>
        )}
        <div class="who">
          <a id="language-switch" href={switchHref} hreflang={other} lang={other}>
            {t.otherLanguage}
          </a>
          {caller && (
            <>
              <span id="signed-in-as">{t.signedInAs(caller.userId, t.roles[caller.role] ?? caller.role)}</span>
              <form method="post" action={consoleHref('/sign-out')}>
                <Csrf p={p} />
                <button type="submit" class="link" id="sign-out">
                  {t.signOut}
                </button>
              </form>
            </>
          )}
        </div>
      </div>
    </header>
  );
}

/** The whole document: no inline script or style; the one script carries the response's CSP nonce. */
export function Layout(props: { p: PageContext; title: string; current?: NavKey; children: Child }) {
  const { p } = props;
  return (
    <html lang={p.locale}>
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta
          name="htmx-config"
          content='{"includeIndicatorStyles":false,"allowEval":false,"allowScriptTags":false,"historyCacheSize":0}'
        />
        <title>{`${props.title} · ${p.t.product}`}</title>
        <link rel="icon" href="data:," />
        <link rel="stylesheet" href={consoleHref(`/assets/${p.styles}`)} />
        <script src={consoleHref(`/assets/${p.script}`)} nonce={p.nonce} defer></script>
      </head>
      <body>
        <a class="skip" href="#main">
          {p.t.skip}
        </a>
        <Header p={p} current={props.current} />
        <main id="main" tabindex={-1}>
          {p.flash && (
            <p class={p.flash.error ? 'flash error' : 'flash'} role={p.flash.error ? 'alert' : 'status'} id="flash">
              {p.flash.text}
            </p>
          )}
          <h1>{props.title}</h1>
          {props.children}
        </main>
      </body>
    </html>
  );
}
