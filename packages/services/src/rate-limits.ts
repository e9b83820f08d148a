import { RateLimitedError } from '@cc/core';
import { rateWindowRepository } from '@cc/store';
import type { ServiceContext } from './context';

/**
 * Abuse limits on the public edges: a fixed one-minute window per (name, client). `admit` resolves when
 * the request may go on and rejects with RateLimitedError (429 with Retry-After) once the window is full.
 */
export function rateLimitService(ctx: ServiceContext) {
  const windows = rateWindowRepository(ctx.store);
  return {
    async admit(name: string, client: string, limit = ctx.settings.PUBLIC_RATE_LIMIT_PER_MINUTE): Promise<void> {
      const now = ctx.clock();
      const { count, windowEndsAt } = await windows.hit(`${name}#${client}`, now);
      if (count > limit) throw new RateLimitedError(Math.max(1, Math.ceil((windowEndsAt - now.getTime()) / 1000)));
    },
  };
}

export type RateLimitService = ReturnType<typeof rateLimitService>;
