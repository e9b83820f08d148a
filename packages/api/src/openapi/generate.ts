import type { AppServices } from '../app';
import { appRoutes } from '../app';
import type { HttpDeps } from '../http/env';
import { openApiDocument } from './document';

/**
 * The document for the routes as declared. The route factories only build handlers, so they are given
 * no services: nothing runs.
 */
export const generatedDocument = () =>
  openApiDocument(appRoutes({} as AppServices, {} as HttpDeps), {
    title: 'Contact-center API',
    version: '0.1.0',
    description:
      'Omnichannel contact history, complaints and inquiries, and opportunities for a bank. ' +
      'Errors are application/problem+json (RFC 9457) with a stable `code`.',
  });
