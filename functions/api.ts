import { handle } from 'hono/aws-lambda';
import { createApiApp } from '@cc/api';
import { http, services } from './shared/http-host';

/** The staff JSON API, /openapi.json and its reference page; the console is console.ts, the public edge public.ts. */
export const handler = handle(createApiApp(services, http));
