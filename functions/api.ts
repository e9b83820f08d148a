import { handle } from 'hono/aws-lambda';
import { apiHttpDeps, createApiApp } from '@cc/api';
import { config, services, staffOptions } from './shared/http-host';

/** The staff JSON API, /openapi.json and its reference page; the console is console.ts, the public edge public.ts. */
export const handler = handle(createApiApp(services, apiHttpDeps(config, staffOptions)));
