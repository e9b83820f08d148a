import { handle } from 'hono/aws-lambda';
import { createConsoleApp } from '@cc/api';
import { http, services } from './shared/http-host';

/** The staff console (/console), behind the same HTTP API as the JSON API (functions/api.ts). */
export const handler = handle(createConsoleApp(services, http));
