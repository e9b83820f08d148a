import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash, randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { Hono } from 'hono';
import { serve, type ServerType } from '@hono/node-server';
import { importJWK, SignJWT } from 'jose';
import { signDevToken } from '@cc/local/dev-keys';
import { demoUsers, seedDemoData } from '@cc/local/seed';
import { createTestContext, type TestContext } from '../support/harness';

const BASE = 'http://console.test';

/** Cookies as a browser keeps them for one site (names and values; the attributes are checked where it matters). */
class CookieJar {
  private readonly cookies = new Map<string, string>();
  take(response: Response) {
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const at = pair!.indexOf('=');
      const [name, value] = [pair!.slice(0, at), pair!.slice(at + 1)];
      if (value === '' || /max-age=0/i.test(line)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return response;
  }
  set(name: string, value: string) {
    this.cookies.set(name, value);
  }
  get(name: string) {
    return this.cookies.get(name);
  }
  header() {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
}

const csrfOf = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)?.[1];

/**
 * A stand-in for Cognito's hosted UI on 127.0.0.1: the authorization-code flow with PKCE (S256 checked), the token
 * endpoint (code and refresh grants), revocation and logout, issuing ID tokens signed with the test's key.
 */
function hostedUiStandIn(t: TestContext, clientId: string) {
  const codes = new Map<string, { challenge: string; nonce: string; redirectUri: string; userId: string }>();
  const revoked: string[] = [];
  const loggedOut: string[] = [];
  const refreshTokens = new Map<string, string>();
  let nextUser = 'mgr-1';

  const idToken = async (userId: string, nonce?: string) => {
    const user = demoUsers.find((u) => u.id === userId)!;
    return new SignJWT({ 'custom:role': user.role, 'custom:branch': user.branchId, ...(nonce && { nonce }) })
      .setProtectedHeader({ alg: 'ES256', kid: t.keys.privateJwk.kid })
      .setSubject(userId)
      .setIssuer(t.config.AUTH_ISSUER)
      .setAudience(clientId)
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(await importJWK(t.keys.privateJwk, 'ES256'));
  };

  const app = new Hono();
  app.get('/oauth2/authorize', (c) => {
    const q = c.req.query();
    if (q.client_id !== clientId || q.response_type !== 'code' || q.code_challenge_method !== 'S256') {
      return c.text('bad request', 400);
    }
    const code = randomBytes(8).toString('hex');
    codes.set(code, { challenge: q.code_challenge!, nonce: q.nonce!, redirectUri: q.redirect_uri!, userId: nextUser });
    const back = new URL(q.redirect_uri!);
    back.search = new URLSearchParams({ code, state: q.state! }).toString();
    return c.redirect(back.toString(), 302);
  });
  app.post('/oauth2/token', async (c) => {
    const form = await c.req.parseBody();
    if (form.client_id !== clientId) return c.json({ error: 'invalid_client' }, 400);
    if (form.grant_type === 'authorization_code') {
      const grant = codes.get(String(form.code));
      codes.delete(String(form.code));
      const challenge = createHash('sha256').update(String(form.code_verifier)).digest('base64url');
      if (!grant || grant.challenge !== challenge || grant.redirectUri !== form.redirect_uri) {
        return c.json({ error: 'invalid_grant' }, 400);
      }
      const refresh = randomBytes(16).toString('hex');
      refreshTokens.set(refresh, grant.userId);
      return c.json({ id_token: await idToken(grant.userId, grant.nonce), refresh_token: refresh, access_token: 'a' });
    }
    const userId = refreshTokens.get(String(form.refresh_token));
    if (form.grant_type !== 'refresh_token' || !userId) return c.json({ error: 'invalid_grant' }, 400);
    return c.json({ id_token: await idToken(userId), access_token: 'a' });
  });
  app.post('/oauth2/revoke', async (c) => {
    const form = await c.req.parseBody();
    revoked.push(String(form.token));
    refreshTokens.delete(String(form.token));
    return c.body(null, 200);
  });
  app.get('/logout', (c) => {
    loggedOut.push(c.req.query('client_id')!);
    return c.redirect(c.req.query('logout_uri')!, 302);
  });
  return { app, revoked, loggedOut, signInAs: (userId: string) => (nextUser = userId) };
}

describe('console sign-in, session and page headers', () => {
  let t: TestContext;

  beforeAll(async () => {
    t = await createTestContext();
    await seedDemoData(t.services);
  });

  describe('locally, with the seeded users', () => {
    const devApp = () =>
      t.appWith(
        {},
        {
          config: { ...t.config, PUBLIC_BASE_URL: BASE },
          console: {
            ...t.http.console,
            signIn: {
              kind: 'dev',
              users: demoUsers,
              issue: (userId) => {
                const user = demoUsers.find((u) => u.id === userId)!;
                return signDevToken(
                  t.keys,
                  { userId, role: user.role, branchId: user.branchId },
                  {
                    issuer: t.config.AUTH_ISSUER,
                    audience: t.config.AUTH_AUDIENCE,
                  },
                );
              },
            },
          },
        },
      );

    async function signIn(app: ReturnType<typeof devApp>, jar: CookieJar, userId: string) {
      const page = jar.take(await app.request(`${BASE}/console/sign-in`, { headers: { cookie: jar.header() } }));
      const form = new URLSearchParams({ _csrf: csrfOf(await page.text())!, userId });
      return jar.take(
        await app.request(`${BASE}/console/sign-in`, {
          method: 'POST',
          headers: { cookie: jar.header(), 'content-type': 'application/x-www-form-urlencoded', origin: BASE },
          body: form.toString(),
        }),
      );
    }

    it('pages carry a nonce CSP, no inline script or style, and are not cached', async () => {
      const response = await devApp().request(`${BASE}/console/sign-in`);
      expect(response.status).toBe(200);
      const csp = response.headers.get('content-security-policy')!;
      const nonce = /'nonce-([^']+)'/.exec(csp)?.[1];
      expect(nonce).toBeDefined();
      expect(csp).toContain("default-src 'none'");
      expect(csp).toContain("'strict-dynamic'");
      expect(csp).toContain("style-src 'self'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(response.headers.get('cache-control')).toBe('no-store');
      const html = await response.text();
      const scripts = [...html.matchAll(/<script([^>]*)>/g)].map((m) => m[1]!);
      expect(scripts).toHaveLength(1);
      expect(scripts[0]).toContain(`nonce="${nonce}"`);
      expect(scripts[0]).toMatch(/src="\/console\/assets\/htmx\.[0-9a-f]{16}\.js"/);
      expect(html).not.toMatch(/\sstyle=|<style/);
    });

    it('serves htmx and the stylesheet under their content hash, for good; other names are not found', async () => {
      const app = devApp();
      const html = await (await app.request(`${BASE}/console/sign-in`)).text();
      for (const path of [/src="([^"]+htmx[^"]+)"/.exec(html)![1]!, /href="([^"]+\.css)"/.exec(html)![1]!]) {
        const asset = await app.request(`${BASE}${path}`);
        expect(asset.status).toBe(200);
        expect(asset.headers.get('cache-control')).toContain('immutable');
      }
      expect((await app.request(`${BASE}/console/assets/htmx.0000000000000000.js`)).status).toBe(404);
    });

    it('signs in only with the form token, into an HttpOnly, Secure, SameSite=Lax cookie for /console', async () => {
      const app = devApp();
      const jar = new CookieJar();
      const forged = await app.request(`${BASE}/console/sign-in`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'userId=mgr-1&_csrf=forged',
      });
      expect(forged.status).toBe(403);

      const signedIn = await signIn(app, jar, 'mgr-1');
      expect(signedIn.status).toBe(303);
      expect(signedIn.headers.get('location')).toBe('/console/home');
      const cookie = signedIn.headers.getSetCookie().find((c) => c.startsWith('cc_session='))!;
      expect(cookie).toMatch(/HttpOnly/i);
      expect(cookie).toMatch(/Secure/i);
      expect(cookie).toMatch(/SameSite=Lax/i);
      expect(cookie).toMatch(/Path=\/console/);
      // The cookie is sealed: the token inside cannot be read from it.
      expect(cookie).not.toContain('eyJ');

      const home = await app.request(`${BASE}/console/home`, { headers: { cookie: jar.header() } });
      expect(home.status).toBe(200);
      expect(await home.text()).toContain('mgr-1');
    });

    it('an altered session cookie, or one from another deployment, is no session', async () => {
      const app = devApp();
      const jar = new CookieJar();
      await signIn(app, jar, 'mgr-1');
      const sealed = jar.get('cc_session')!;
      const flipped = sealed.slice(0, 20) + (sealed[20] === 'A' ? 'B' : 'A') + sealed.slice(21);
      jar.set('cc_session', flipped);
      const response = await app.request(`${BASE}/console/home`, { headers: { cookie: jar.header() } });
      expect(response.status).toBe(303);
      expect(response.headers.get('location')).toMatch(/^\/console\/sign-in\?next=%2Fconsole%2Fhome/);
    });

    it('refuses a cross-site post even with a valid token', async () => {
      const app = devApp();
      const jar = new CookieJar();
      await signIn(app, jar, 'mgr-1');
      const home = await (await app.request(`${BASE}/console/home`, { headers: { cookie: jar.header() } })).text();
      const response = await app.request(`${BASE}/console/home/reminders/read-all`, {
        method: 'POST',
        headers: {
          cookie: jar.header(),
          'content-type': 'application/x-www-form-urlencoded',
          origin: 'https://evil.example',
        },
        body: new URLSearchParams({ _csrf: csrfOf(home)! }).toString(),
      });
      expect(response.status).toBe(403);
    });

    it('the pages keep to the permission model: an agent gets no branch queue', async () => {
      const app = devApp();
      const jar = new CookieJar();
      await signIn(app, jar, 'agent-1');
      const queue = await app.request(`${BASE}/console/queue`, { headers: { cookie: jar.header() } });
      expect(queue.status).toBe(403);
    });

    it('without a configured sign-in, the page says so and nobody can sign in', async () => {
      const app = t.appWith({}, { console: { ...t.http.console, signIn: undefined } });
      const page = await app.request(`${BASE}/console/sign-in`, { headers: { 'accept-language': 'en' } });
      const html = await page.text();
      expect(html).toContain('Sign-in is not configured');
      expect(html).not.toContain('sign-in-mgr-1');
    });
  });

  describe("in AWS, through the hosted UI's code flow with PKCE", () => {
    let standIn: ReturnType<typeof hostedUiStandIn>;
    let server: ServerType;
    let domain: string;
    let clientId: string;

    beforeAll(async () => {
      // The app client whose ID tokens the API already trusts (AUTH_AUDIENCE).
      clientId = t.config.AUTH_AUDIENCE;
      standIn = hostedUiStandIn(t, clientId);
      server = await new Promise<ServerType>((resolve) => {
        const s = serve({ fetch: standIn.app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
      });
      domain = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterAll(async () => {
      await new Promise((resolve) => server?.close(resolve));
    });

    const hostedApp = () => {
      return t.appWith(
        {},
        {
          config: { ...t.config, PUBLIC_BASE_URL: BASE },
          console: { ...t.http.console, signIn: { kind: 'hosted', domain, clientId, fetch } },
        },
      );
    };

    it('signs in with the code and verifier, and signing out revokes the refresh token at Cognito', async () => {
      const app = hostedApp();
      const jar = new CookieJar();
      const start = jar.take(await app.request(`${BASE}/console/auth/start?next=%2Fconsole%2Fpipeline`));
      expect(start.status).toBe(302);
      const authorize = new URL(start.headers.get('location')!);
      expect(authorize.origin).toBe(domain);
      expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
      expect(authorize.searchParams.get('redirect_uri')).toBe(`${BASE}/console/auth/callback`);

      const answer = await fetch(authorize, { redirect: 'manual' });
      const callback = new URL(answer.headers.get('location')!);
      const done = jar.take(await app.request(callback.toString(), { headers: { cookie: jar.header() } }));
      expect(done.status).toBe(303);
      expect(done.headers.get('location')).toBe('/console/pipeline');

      const home = await app.request(`${BASE}/console/home`, { headers: { cookie: jar.header() } });
      expect(home.status).toBe(200);
      const signOut = await app.request(`${BASE}/console/sign-out`, {
        method: 'POST',
        headers: { cookie: jar.header(), 'content-type': 'application/x-www-form-urlencoded', origin: BASE },
        body: new URLSearchParams({ _csrf: csrfOf(await home.text())! }).toString(),
      });
      expect(signOut.status).toBe(303);
      const logout = new URL(signOut.headers.get('location')!);
      expect(logout.origin + logout.pathname).toBe(`${domain}/logout`);
      expect(logout.searchParams.get('logout_uri')).toBe(`${BASE}/console/signed-out`);
      expect(standIn.revoked).toHaveLength(1);
      expect(signOut.headers.getSetCookie().some((c) => /^cc_session=;/.test(c))).toBe(true);
    });

    it('a callback whose state does not match the browser is refused', async () => {
      const app = hostedApp();
      const jar = new CookieJar();
      const start = jar.take(await app.request(`${BASE}/console/auth/start`));
      const answer = await fetch(new URL(start.headers.get('location')!), { redirect: 'manual' });
      const callback = new URL(answer.headers.get('location')!);
      callback.searchParams.set('state', 'forged');
      const refused = await app.request(callback.toString(), { headers: { cookie: jar.header() } });
      expect(refused.headers.get('location')).toContain('failed=signInFailed');
      expect(refused.headers.getSetCookie().some((c) => c.startsWith('cc_session=') && !/^cc_session=;/.test(c))).toBe(
        false,
      );
    });

    it('a code taken to another browser (without its verifier cookie) signs nobody in', async () => {
      const app = hostedApp();
      const start = await app.request(`${BASE}/console/auth/start`);
      const answer = await fetch(new URL(start.headers.get('location')!), { redirect: 'manual' });
      const elsewhere = await app.request(answer.headers.get('location')!);
      expect(elsewhere.headers.get('location')).toContain('failed=signInFailed');
    });
  });
});
