import { newId, type Logger } from '@cc/core';
import type { ArchiveStore, AttachmentStore } from '@cc/channels';
import type { MessagePublisher } from '@cc/messaging';
import { userNameDirectory, type StoreContext } from '@cc/store';
import { auditService } from './audit';
import { caseImportService } from './case-imports';
import { caseOwnershipService } from './case-ownership';
import { caseAccess } from './case-access';
import { caseDeadlineWatch } from './case-deadline-watch';
import { caseMessages } from './case-messages';
import { caseOpening } from './case-opening';
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
import { opportunityUpkeepService } from './opportunity-upkeep';
import { publicComplaintService } from './public-complaints';
import { rateLimitService } from './rate-limits';
import { reporterService } from './reporter';
import { reportRebuildService } from './report-rebuild';
import { reportService } from './reports';
import { normaliseEmailSender, normaliseSender, type SenderNormaliser } from './senders';
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

/**
 * Builds every service once, each with its collaborators handed to it explicitly: the whole app on one host (the
 * local runtime, the tests, the bench and the operators' tools). A Lambda composes only its part (below), so its
 * bundle carries only the workflows it runs; each part is wired in one place and this is their union.
 */
export function composeServices<I extends ServiceInfra>(infra: I, settings: ServiceSettings) {
  const work = intakeWork(caseWork(infra, settings), normaliseSender);
  const deadlineWatch = deadlineWatchOf(work);
  const all = {
    ...staffWork(work),
    ...publicEdge(work),
    email: infra.attachments && emailOf(work, infra.attachments, infra.emailModule),
    sweeper: sweeperOf(work, deadlineWatch),
    /** The sweeper's deadline watch alone, for hosts that run one sweep part (tests, operators' tools). */
    deadlineWatch,
    reporter: reporterOf(work.ctx, infra),
    reportRebuild: reportRebuildService(work.ctx),
    /** The context the services share, for hosts that seed or inspect data the way the services write it. */
    context: work.ctx,
  };
  return all as Omit<typeof all, 'email'> & WithEmail<I>;
}

/** The staff JSON API and the staff console (functions/api.ts, functions/console.ts): every staff workflow. */
export const composeStaffServices = (infra: ServiceInfra, settings: ServiceSettings) =>
  staffWork(intakeWork(caseWork(infra, settings), normaliseSender));

/**
 * The public edge (functions/public.ts): the web form and its status, inbound SMS. Email arrives in AWS through the
 * email function, so the edge takes no email there; the local runtime's relay webhook is served by composeServices.
 */
export const composePublicEdge = (infra: ServiceInfra, settings: ServiceSettings) =>
  publicEdge(intakeWork(caseWork(infra, settings), normaliseSender));

/** The email function (functions/email-inbound.ts): the same intake as the public edge's email webhook. */
export const composeEmailIntake = (
  infra: ServiceInfra & { attachments: AttachmentStore },
  settings: ServiceSettings,
): EmailIntake =>
  emailOf(intakeWork(caseWork(infra, settings), normaliseEmailSender), infra.attachments, infra.emailModule);

/** The sweeper (functions/sweeper.ts): its periodic jobs over the case work. */
export const composeSweeper = (infra: ServiceInfra, settings: ServiceSettings) => sweeperOf(caseWork(infra, settings));

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
) => reporterOf(contextOf(infra, settings), infra);

const reporterOf = (ctx: ServiceContext, infra: Pick<ServiceInfra, 'archive'>) =>
  reporterService(ctx, { archive: infra.archive });

/**
 * What every host that opens, moves or follows up cases shares: notifications, cases and who owns them, the
 * customer's messages, escalation, the opportunities' upkeep and follow-ups.
 */
function caseWork(infra: ServiceInfra, settings: ServiceSettings) {
  const ctx: ServiceContext = contextOf(infra, settings);
  const { publisher } = infra;
  const notices = noticeService({ store: ctx.store, publisher, log: ctx.log, newId: ctx.newId });
  const ownership = caseOwnershipService(ctx, { notices });
  const messages = customerMessageService(ctx);
  const access = caseAccess(ctx);
  const opening = caseOpening(ctx, { notices, messages, access });
  const onCases = caseMessages(ctx, { notices, opening, access });
  const escalation = escalationService(ctx, { access, notices });
  const opportunityUpkeep = opportunityUpkeepService(ctx, { notices });
  const followUps = followUpService(ctx, {
    cases: { create: opening.create, addMessage: onCases.addMessage },
    ownership,
    opportunityUpkeep,
    escalation,
  });
  return {
    ctx,
    publisher,
    notices,
    ownership,
    messages,
    access,
    opening,
    onCases,
    escalation,
    opportunityUpkeep,
    followUps,
  };
}
type CaseWork = ReturnType<typeof caseWork>;

/**
 * The case work and the contact recorder, for the hosts that take contacts in (the sweeper does not: its follow-ups
 * record nothing, so it carries neither the recorder nor the sender parsing it brings). Senders by phone and email,
 * or by email alone in the email function, which then carries no phone parser.
 */
const intakeWork = (work: CaseWork, normalise: SenderNormaliser) => ({
  ...work,
  recorder: contactRecorder(work.ctx, { followUps: work.followUps, normalise }),
});
type IntakeWork = ReturnType<typeof intakeWork>;

/** The customers' own ways in that need no login: the web form, its status lookup and inbound SMS. */
function publicEdge({ ctx, opening, recorder, followUps }: IntakeWork) {
  const rateLimits = rateLimitService(ctx);
  return {
    rateLimits,
    publicComplaints: publicComplaintService(ctx, { cases: opening, recorder, rateLimits }),
    sms: smsIntake(ctx, { recorder, followUps }),
  };
}

/** Email intake, for the hosts that give somewhere for attachments to go. */
const emailOf = ({ ctx, recorder, followUps }: IntakeWork, attachments: AttachmentStore, emailModule?: EmailModule) =>
  emailIntake(ctx, { recorder, followUps, attachments, emailModule });

/** The sweeper's watch over first-response and resolution deadlines. */
const deadlineWatchOf = ({ ctx, notices, access }: CaseWork) => caseDeadlineWatch(ctx, { notices, access });

const sweeperOf = (work: CaseWork, deadlines = deadlineWatchOf(work)) => {
  const { ctx, publisher, followUps, opportunityUpkeep } = work;
  return sweeperService(ctx, { publisher, followUps, deadlines, opportunityUpkeep });
};

/** What staff work with, through the JSON API and the console. */
function staffWork(work: IntakeWork) {
  const { ctx, notices, ownership, messages, access, opening, onCases, escalation, opportunityUpkeep, followUps } =
    work;
  const cases = caseService(ctx, { notices, messages, access, opening, caseMessages: onCases });
  const opportunities = opportunityService(ctx, { notices, upkeep: opportunityUpkeep });
  const directory = userNameDirectory(ctx.store, { ttlMs: USER_NAMES_TTL_MS });
  const audit = auditService(ctx);
  const customers = customerService(ctx, { notices, directory, ownership, audit });
  const changeRequests = changeRequestService(ctx, { customers, notices, ownership });
  const customerContact = customerContactService(ctx, { cases, messages, customers, notices });

  return {
    staff: staffDirectory(ctx),
    audit,
    customers,
    changeRequests,
    merge: mergeService(ctx, { customers, notices, ownership }),
    timeline: timelineService(ctx, { customers, audit }),
    cases,
    caseImports: caseImportService(ctx, { cases: opening }),
    escalation,
    followUps,
    contacts: contactService(ctx, { recorder: work.recorder, customers, cases, guard: customerContact }),
    customerContact,
    unidentified: unidentifiedService(ctx, { customers, changeRequests }),
    opportunities,
    conversions: conversionService(ctx, { opportunities, notices }),
    teams: teamService(ctx, { followUps }),
    inbox: inboxService(ctx),
    operations: operationsService(ctx),
    reports: reportService(ctx),
  };
}

export type Services = ReturnType<typeof composeServices>;
/** What the staff API and console serve (a part of Services). */
export type StaffServices = ReturnType<typeof composeStaffServices>;
/** What the public edge serves (a part of Services): email intake only where the host takes email webhooks. */
export type PublicEdgeServices = ReturnType<typeof composePublicEdge> & { email?: EmailIntake };
