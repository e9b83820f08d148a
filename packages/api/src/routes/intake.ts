import { join } from 'node:path';
import { filesystemAttachmentStore } from '@cc/channels';
import type { AppDeps } from '../deps';
import { createRouter } from '../openapi';
import { caseService } from '../services/cases';
import { contactRoutes } from './contacts';
import { publicRoutes } from './public';
import { timelineRoutes } from './timeline';
import { webhookRoutes } from './webhooks';

/** Omnichannel intake (issue 4): logged calls, the public form, SMS and email webhooks, and the timeline. */
export function intakeRoutes(deps: AppDeps) {
  const router = createRouter();
  const cases = caseService(deps);
  const escalate = (caseId: string, reason: string) => cases.escalate(caseId, reason);
  router.route(
    '/',
    contactRoutes(deps, {
      escalate,
      openCase: async (caller, customerId, input) => ({
        caseId: (await cases.create({ caller }, { ...input, customerId })).id,
      }),
    }),
  );
  router.route('/', timelineRoutes(deps));
  router.route('/', publicRoutes(deps));
  router.route(
    '/',
    webhookRoutes(deps, {
      escalate,
      attachments: filesystemAttachmentStore(join(deps.config.DATA_DIR, 'attachments')),
    }),
  );
  return router;
}
