import * as z from 'zod/mini';

export class ConfigError extends Error {}

/** Parses `env` with `schema` once at start; on failure lists every bad variable in one readable message. */
export function parseEnv<S extends z.core.$ZodType>(schema: S, env: Record<string, string | undefined>): z.infer<S> {
  const result = z.safeParse(schema, env);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `  ${i.path.join('.') || '(env)'}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  return result.data;
}
