import { handle } from 'hono/aws-lambda';
import { composeDeps, createApp, lambdaConfigSchema, parseEnv } from '@cc/api';

// Composition happens once per container, outside the handler.
const config = parseEnv(lambdaConfigSchema, process.env);
const deps = composeDeps(config, {
  jwks: new URL(config.AUTH_JWKS_URL),
  cursorSecret: config.CURSOR_SECRET,
  queueUrl: config.NOTIFICATION_QUEUE_URL,
});

export const handler = handle(createApp(deps));
