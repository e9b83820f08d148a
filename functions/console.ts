import { handle } from 'hono/aws-lambda';
import { consoleHttpDeps, createConsoleApp } from '@cc/api';
import { config, services, staffOptions } from './shared/http-host';

/** The staff console (/console), behind the same HTTP API as the JSON API (functions/api.ts). */
export const handler = handle(createConsoleApp(services, consoleHttpDeps(config, staffOptions)));
