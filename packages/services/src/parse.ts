import * as z from 'zod/mini';
import { ValidationError } from '@cc/core';

/** Validates input that did not come through a route (channels, imports), as the same 400 problem. */
export function parseInput<S extends z.core.$ZodType>(schema: S, input: unknown, message: string): z.infer<S> {
  const result = z.safeParse(schema, input);
  if (!result.success) {
    throw new ValidationError(
      message,
      result.error.issues.map((i) => ({ path: i.path.map(String).join('.') || '(body)', message: i.message })),
    );
  }
  return result.data;
}
