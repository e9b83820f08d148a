import type { FunctionBudget } from '@cc/core/budgets';

/**
 * The budget of an operator's tool (check-data, reports:rebuild), which reads whole tables: a page may take long
 * and meet throttling, so it waits and slows down (with adaptive retry) rather than failing fast like a request.
 * No deadline: the tool runs until it is done or a call fails.
 */
export const operatorBudget = {
  deadlineMs: Number.POSITIVE_INFINITY,
  marginMs: 0,
  clients: { dynamodb: { connectTimeoutMs: 1_000, requestTimeoutMs: 15_000, maxAttempts: 6, backoffCapMs: 2_000 } },
} satisfies FunctionBudget;
