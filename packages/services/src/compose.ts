import { newId, type Logger } from '@cc/core';
import type { ArchiveStore, AttachmentStore } from '@cc/channels';
import type { MessagePublisher } from '@cc/messaging';
import { userNameDirectory, type StoreContext } from '@cc/store';
import { auditService } from './audit';
import { caseImportService } from './case-imports';
import { caseOwnershipService } from './case-ownership';
import { caseService } from './cases';
import { changeRequestService } from './change-requests';
import { contactRecorder } from './contact-recorder';
import { contactService } from './contacts';
import type { ServiceContext } from './context';
import { customerContactService } from './customer-contact';
import { customerMessageService } from './customer-messages';
import { customerService } from './customers';
import { emailIntake, type EmailIntake, type EmailModule } from './email-intake';
import { escalationService } from './escalation';
import { followUpService } from './follow-ups';
import { inboxService } from './inbox';
import { mergeService } from './merge';
import { noticeService } from './notices';
import { operationsService } from './operations';
import { conversionService } from './opportunity-conversion';
import { opportunityService } from './opportunities';
import { publicComplaintService } from './public-complaints';
import { rateLimitService } from './rate-limits';
import { reporterService } from './reporter';
import { reportRebuildService } from './report-rebuild';
import { reportService } from './reports';
import type { ServiceSettings } from './settings';
import { smsIntake } from './sms-intake';
import { staffDirectory } from './staff';
import { sweeperService } from './sweeper';
import { teamService } from './teams';
import { timelineService } from './timeline';
import { unidentifiedService } from './unidentified';

/** The adapters a host hands the services: clients created once, in its composition root. */
export interface ServiceInfra {
  store: StoreContext;
  publisher: MessagePublisher;
  log: Logger;
  clock?: () => Date;
  newId?: (at?: number) => string;
  /** Where inbound email attachments go; only hosts that take email give one (email intake needs it). */
  attachments?: AttachmentStore;
  /** The email parser, when the host bundles it statically (else it is loaded on the first email). */
  emailModule?: EmailModule;
  /** Where the stream consumer archives history (S3 in AWS, DATA_DIR/archive locally); none: not archived. */
  archive?: ArchiveStore;
}

/** How long a user's display name is trusted before it is read again (the 360 names the managers). */
const USER_NAMES_TTL_MS = 5 * 60_000;

/** Email intake exists when the host gave somewhere for attachments to go. */
type WithEmail<I extends ServiceInfra> = I extends { attachments: AttachmentStore }
  ? { email: EmailIntake }
  : { email: EmailIntake | undefined };

/** Builds every service once, each with its collaborators handed to it explicitly. */
export function composeServices<I extends ServiceInfra>(infra: I, settings: ServiceSettings) {
  return servicesFor(infra, settings) as Omit<ReturnType<typeof servicesFor>, 'email'> & WithEmail<I>;
}

const contextOf = (infra: Pick<ServiceInfra, 'store' | 'log' | 'clock' | 'newId'>, settings: ServiceSettings) => ({
  store: infra.store,
  settings,
  clock: infra.clock ?? (() => new Date()),
  newId: infra.newId ?? newId,
  log: infra.log,
});

/** Only the stream consumer (functions/reporter.ts): report aggregates and the archive, nothing that publishes. */
export const composeReporter = (
  infra: Pick<ServiceInfra, 'store' | 'log' | 'clock' | 'archive'>,
  settings: ServiceSettings,
) => reporterService(contextOf(infra, settings), { archive: infra.archive });

function servicesFor(infra: ServiceInfra, settings: ServiceSettings) {
  const ctx: ServiceContext = contextOf(infra, settings);
  const notices = noticeService({ store: ctx.store, publisher: infra.publisher, log: ctx.log, newId: ctx.newId });
  const directory = userNameDirectory(ctx.store, { ttlMs: USER_NAMES_TTL_MS });
  const staff = staffDirectory(ctx);

  const audit = auditService(ctx);
  const ownership = caseOwnershipService(ctx, { notices });
  const customers = customerService(ctx, { notices, directory, ownership, audit });
  const messages = customerMessageService(ctx);
  const cases = caseService(ctx, { notices, messages });
  const escalation = escalationService(ctx, { cases, notices });
  const opportunities = opportunityService(ctx, { notices });
  const followUps = followUpService(ctx, { cases, ownership, opportunities, escalation });
  const recorder = contactRecorder(ctx, { followUps });
  const intakeDeps = { recorder, followUps };
  const rateLimits = rateLimitService(ctx);

  const changeRequests = changeRequestService(ctx, { customers, notices, ownership });
  const customerContact = customerContactService(ctx, { cases, messages, customers, notices });

  return {
    staff,
    audit,
    customers,
    changeRequests,
    merge: mergeService(ctx, { customers, notices, ownership }),
    timeline: timelineService(ctx, { customers, audit }),
    cases,
    caseImports: caseImportService(ctx, { cases }),
    escalation,
    followUps,
    contacts: contactService(ctx, { recorder, customers, cases, guard: customerContact }),
    customerContact,
    unidentified: unidentifiedService(ctx, { customers, changeRequests }),
    sms: smsIntake(ctx, intakeDeps),
    email: infra.attachments
      ? emailIntake(ctx, { ...intakeDeps, attachments: infra.attachments, emailModule: infra.emailModule })
      : undefined,
    publicComplaints: publicComplaintService(ctx, { cases, recorder, rateLimits }),
    rateLimits,
    opportunities,
    conversions: conversionService(ctx, { opportunities, notices }),
    teams: teamService(ctx, { followUps }),
    inbox: inboxService(ctx),
    operations: operationsService(ctx),
    sweeper: sweeperService(ctx, { publisher: infra.publisher, followUps, cases, opportunities }),
    reports: reportService(ctx),
    reporter: reporterService(ctx, { archive: infra.archive }),
    reportRebuild: reportRebuildService(ctx),
    /** The context the services share, for hosts that seed or inspect data the way the services write it. */
    context: ctx,
  };
}

export type Services = ReturnType<typeof composeServices>;
