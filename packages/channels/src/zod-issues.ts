import type * as z from 'zod/mini';
import type { FieldIssue } from '@cc/core';

/** Flattens zod issues into the `{ path, message }` list that ValidationError carries. */
export function toFieldIssues(error: z.core.$ZodError): FieldIssue[] {
  return error.issues.map((issue) => ({
    path: issue.path.map(String).join('.') || '(root)',
    message: issue.message,
  }));
}
