/**
 * Time budgets per Lambda. The figures live in `@cc/core/budgets`, because the app's composition roots build
 * their SDK clients and per-request deadlines from the same numbers the stack derives each Lambda's timeout from.
 */
export * from '@cc/core/budgets';
