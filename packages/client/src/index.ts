import createClient, { type Client, type ClientOptions } from 'openapi-fetch';
import type { components, operations, paths } from './schema';

/**
 * A typed client for the contact-center API, generated from its contract (packages/api/openapi.json):
 * paths, parameters, bodies and answers are the documented ones, checked by the compiler. `npm run client`
 * regenerates the types after `npm run openapi`; a test fails while they differ. See docs/api.md.
 */
export type { components, operations, paths };
/** The contract's named schemas: `Schemas['Case']`, `Schemas['Problem']`... */
export type Schemas = components['schemas'];
/** The API speaks JSON (problems as application/problem+json); the HTML pages are for browsers. */
export type JsonMedia = 'application/json' | 'application/problem+json';
export type ContactCenterClient = Client<paths, JsonMedia>;

export interface ContactCenterClientOptions extends ClientOptions {
  /** A staff bearer token (the Cognito ID token in AWS), or a function that returns a current one. */
  token?: string | (() => string | Promise<string>);
}

export function createContactCenterClient({ token, ...options }: ContactCenterClientOptions): ContactCenterClient {
  const client = createClient<paths, JsonMedia>(options);
  if (token !== undefined) {
    client.use({
      async onRequest({ request }) {
        request.headers.set('authorization', `Bearer ${typeof token === 'function' ? await token() : token}`);
        return request;
      },
    });
  }
  return client;
}
