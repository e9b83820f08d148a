import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { DomainError } from '@cc/core';
import { bearerToken, type TokenVerifier } from '../auth';
import type { AppEnv } from './env';

/** Bodies above the limit are refused before anything reads them. */
export const limitBody = (maxBytes: number): MiddlewareHandler =>
  bodyLimit({
    maxSize: maxBytes,
    onError: () => {
      throw new DomainError('request.too_large', `The request body exceeds ${Math.round(maxBytes / 1024)} KB`);
    },
  });

/** Staff routes: a valid bearer token, whose caller the handler then reads. */
export const authenticate =
  (verifier: TokenVerifier): MiddlewareHandler<AppEnv> =>
  async (c, next) => {
    c.set('caller', await verifier.verify(bearerToken(c.req.header('authorization'))));
    await next();
  };
