import { expect, inject } from 'vitest';
import { randomBytes } from 'node:crypto';
import MailComposer from 'nodemailer/lib/mail-composer';
import { computeTwilioSignature, emailSignatureHeader } from '@cc/channels';
import { caseRepository, createDocumentClient, type StoreContext } from '@cc/store';
import { checkData } from '@cc/store/check-data';
import { localCredentials, localServicesBudget, region, type TestContext } from './harness';

/** `n` copies of the same request, all in flight at once. */
export const storm = <T>(n: number, send: () => Promise<T>): Promise<T[]> =>
  Promise.all(Array.from({ length: n }, send));

/** Every response of a storm: its status and body, read once. */
export const answers = (responses: Response[]) =>
  Promise.all(responses.map(async (r) => ({ status: r.status, body: await r.text() })));

const parsed = (body: string): unknown => {
  try {
    return JSON.parse(body);
  } catch {
    return body;
  }
};

/** All answered `status`, with one and the same body (a replay may order its fields differently). */
export function expectOneAnswer(results: { status: number; body: string }[], status: number) {
  expect(results.map((r) => r.status)).toEqual(Array(results.length).fill(status));
  const [first, ...others] = results.map((r) => parsed(r.body));
  for (const other of others) expect(other).toEqual(first);
  return first as Record<string, unknown>;
}

/** An inbound SMS as Twilio posts it, signed the way Twilio signs. */
export function smsWebhook(
  t: TestContext,
  from: string,
  text: string,
  messageSid = `SM${randomBytes(16).toString('hex')}`,
) {
  const params = {
    MessageSid: messageSid,
    AccountSid: `AC${'0'.repeat(32)}`,
    From: from,
    To: '+8610955880000',
    Body: text,
  };
  const url = `${t.config.PUBLIC_BASE_URL.replace(/\/$/, '')}/webhooks/sms/twilio`;
  const signature = computeTwilioSignature(t.config.TWILIO_AUTH_TOKEN!, url, params);
  return async (app = t.app) =>
    app.request('/webhooks/sms/twilio', {
      method: 'POST',
      body: new URLSearchParams(params).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature },
    });
}

/** An inbound email as the relay posts it (raw RFC 822, signed). */
export async function emailWebhook(t: TestContext, mail: { from: string; subject: string; text: string }) {
  const messageId = `<m${randomBytes(8).toString('hex')}@mail.example.com>`;
  const raw = await new MailComposer({ to: 'care@bank.example', messageId, ...mail }).compile().build();
  return async (app = t.app) =>
    app.request('/webhooks/email', {
      method: 'POST',
      body: raw,
      headers: {
        'content-type': 'message/rfc822',
        'x-signature': emailSignatureHeader(t.config.EMAIL_WEBHOOK_SECRET!, Math.floor(Date.now() / 1000), raw),
      },
    });
}

/** A call the agent logs as it happens, opening a case with these fields (`POST /contacts`). */
export const callOpeningCase = (customerId: string, caseFields: Record<string, unknown>) => ({
  customerId,
  direction: 'inbound',
  startedAt: new Date().toISOString(),
  outcome: 'complaint_registered',
  case: caseFields,
});

/** Opens a case as `token` for the customer (a complaint unless `json` says otherwise) and answers its id. */
export async function openCase(t: TestContext, token: string, customerId: string, json: Record<string, unknown>) {
  const opened = await t.request('POST', '/cases', { token, json: { ...json, customerId } });
  expect(opened.status, await opened.clone().text()).toBe(201);
  return ((await opened.json()) as { id: string }).id;
}

/** The last case number taken this year. */
export const caseSequence = (store: StoreContext) => caseRepository(store).lastSequence(new Date().getUTCFullYear());

/** Runs `npm run check-data`'s check on the test's table and expects every invariant to hold. */
export async function expectDataIntact(store: StoreContext, graceMs = 10 * 60_000) {
  const check = await checkData(store, { graceMs });
  const violations = check.reports.flatMap((r) => r.violations.map((v) => `${r.name}: ${v.detail}`));
  expect(violations).toEqual([]);
  return check;
}

/** What the customer sent: their inbound contacts (the messages the bank sends back are contacts too). */
export const fromCustomer = <E extends { type?: unknown; direction?: unknown }>(timeline: E[]) =>
  timeline.filter((e) => e.type === 'contact' && e.direction === 'inbound');

/** What a process that died mid-work throws from then on. */
export class SimulatedCrash extends Error {
  override name = 'SimulatedCrash';
}

const WRITES = new Set([
  'TransactWriteItemsCommand',
  'PutItemCommand',
  'UpdateItemCommand',
  'DeleteItemCommand',
  'BatchWriteItemCommand',
]);

/**
 * A process that dies once `steps` steps have been taken (Infinity: never): every DynamoDB write is a step, and
 * so is every `step()` its other effects take (an SQS publish). The step that would exceed the count fails, and
 * every call after it, as if the process were gone.
 */
export function crashingProcess(tableName: string, steps: number) {
  let taken = 0;
  let crashed = false;
  const step = () => {
    if (crashed || taken >= steps) {
      crashed = true;
      throw new SimulatedCrash('the process died here');
    }
    taken++;
  };
  const doc = createDocumentClient(
    { endpoint: inject('dynamoEndpoint'), region, credentials: localCredentials },
    { budget: localServicesBudget.clients.dynamodb },
  );
  doc.middlewareStack.add(
    (next, context) => async (args) => {
      if (crashed) throw new SimulatedCrash('the process is gone');
      if (WRITES.has(context.commandName!)) step();
      return next(args);
    },
    { step: 'initialize', name: 'crash' },
  );
  const store: StoreContext = { doc, tableName };
  return { store, step, steps: () => taken };
}
