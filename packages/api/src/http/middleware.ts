import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { DomainError } from '@cc/core';
import { bearerToken, type TokenVerifier } from '../auth';
import type { AppEnv, OriginVerifier } from './env';

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

/**
 * Behind the front door every request must carry a live version of the origin-verify secret in ORIGIN_VERIFY_HEADER
 * (403 otherwise), so the API's own endpoint cannot be used to go round CloudFront and the WAF. Without a verifier
 * (the local runtime) nothing is checked and no request counts as having come through the front door.
 */
export const verifyOrigin =
  (header: string, verifier: OriginVerifier | undefined): MiddlewareHandler<AppEnv> =>
  async (c, next) => {
    if (verifier) {
      if (!(await verifier(c.req.header(header)))) {
        throw new DomainError('request.forbidden', 'Requests are accepted through the front door only');
      }
      c.set('viaFrontDoor', true);
    }
    await next();
  };
