import { handle } from 'hono/aws-lambda';
import { createApiApp } from '@cc/api';
import { http, services } from './shared/http-host';

/** The JSON API, /openapi.json and its reference page; the staff console is functions/console.ts. */
export const handler = handle(createApiApp(services, http));
