import type { AppServices } from '../app';
import { appRoutes } from '../app';
import type { AppHttpDeps } from '../http/env';
import { version } from '../../package.json';
import { openApiDocument } from './document';

/**
 * The document for the routes as declared. The route factories only build handlers, so they are given
 * no services: nothing runs.
 */
export const generatedDocument = () =>
  openApiDocument(
    appRoutes({} as AppServices, {} as AppHttpDeps),
    {
      title: 'Contact-center API',
      version,
      description:
        'Omnichannel contact history, complaints and inquiries, and opportunities for a bank. ' +
        'Errors are application/problem+json (RFC 9457) with a stable `code`. ' +
        'Versioning and the change policy: docs/api.md.',
      license: { name: 'Proprietary: licensed to the operating bank only', identifier: 'LicenseRef-Proprietary' },
    },
    [{ url: '/', description: 'The host serving this document (it answers with its public URL)' }],
  );
