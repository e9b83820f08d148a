import type { z } from 'zod';
import type { FieldIssue } from '@cc/core';

/** Flattens zod issues into the `{ path, message }` list that ValidationError carries. */
export function toFieldIssues(error: z.ZodError): FieldIssue[] {
  return error.issues.map((issue) => ({
    path: issue.path.map(String).join('.') || '(root)',
    message: issue.message,
  }));
}
