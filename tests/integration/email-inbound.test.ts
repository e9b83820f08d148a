import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import iconv from 'iconv-lite';
import MailComposer from 'nodemailer/lib/mail-composer';
import { emailSignatureHeader } from '@cc/channels';
import S3rver from 's3rver';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { SESEvent } from 'aws-lambda';
import { createTestContext, type TestContext } from '../support/harness';
import { keys } from '@cc/store/keys';
import { createCustomer, partitionItems, timelineOf } from './intake-support';
import { esbuildOptionsFrom } from '../../bench/lib/bundles';
import { bundling } from '../../infra/constructs/node-function';

// SES → S3 → Lambda, with a real S3 emulator (s3rver) in place of the buckets the stack creates. The handler is
// functions/email-inbound.ts itself, composed from its environment as it is in AWS.
const RAW = 'raw-mail';
const WEBHOOK_SECRET = 'the-email-webhook-secret-for-tests';
const ATTACHMENTS = 'mail-attachments';

let t: TestContext;
let s3server: S3rver;
let s3: S3Client;
let directory: string;
let handler: (event: SESEvent) => Promise<void>;
const environmentBefore = { ...process.env };

beforeAll(async () => {
  t = await createTestContext();
  directory = mkdtempSync(join(tmpdir(), 'cc-s3-'));
  s3server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory,
    configureBuckets: [{ name: RAW }, { name: ATTACHMENTS }],
  });
  const { port } = await s3server.run();
  s3 = new S3Client({
    endpoint: `http://127.0.0.1:${port}`,
    forcePathStyle: true,
    region: 'us-east-1',
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  });
  Object.assign(process.env, {
    TABLE_NAME: t.tableName,
    NOTIFICATION_QUEUE_URL: t.queues.notifications,
    RAW_MAIL_BUCKET: RAW,
    ATTACHMENTS_BUCKET: ATTACHMENTS,
    LOG_LEVEL: 'silent',
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'S3RVER',
    AWS_SECRET_ACCESS_KEY: 'S3RVER',
    AWS_ENDPOINT_URL_DYNAMODB: inject('dynamoEndpoint'),
    AWS_ENDPOINT_URL_SQS: inject('sqsEndpoint'),
    AWS_ENDPOINT_URL_S3: `http://127.0.0.1:${port}`,
    S3_FORCE_PATH_STYLE: 'true',
    // The public edge Lambda's own (its email webhook checks the signature before it says it does not serve mail).
    EMAIL_WEBHOOK_SECRET: WEBHOOK_SECRET,
  });
  ({ handler } = await import('../../functions/email-inbound'));
});

afterAll(async () => {
  process.env = environmentBefore;
  await s3server?.close();
  if (directory) rmSync(directory, { recursive: true, force: true });
});

/** The event SES sends after its receipt rule stored the message at inbound/<id>. */
const sesEvent = (sesMessageId: string, verdict: 'PASS' | 'FAIL' = 'PASS', sender: 'PASS' | 'FAIL' = 'PASS') =>
  ({
    Records: [
      {
        ses: {
          mail: { messageId: sesMessageId },
          receipt: {
            spamVerdict: { status: verdict },
            virusVerdict: { status: 'PASS' },
            spfVerdict: { status: sender },
            dkimVerdict: { status: sender },
            dmarcVerdict: { status: 'GRAY' },
          },
        },
      },
    ],
  }) as unknown as SESEvent;

async function storeInbound(sesMessageId: string, mail: ConstructorParameters<typeof MailComposer>[0]) {
  const raw = await new MailComposer(mail).compile().build();
  await s3.send(new PutObjectCommand({ Bucket: RAW, Key: `inbound/${sesMessageId}`, Body: raw }));
}

describe('inbound email through SES and S3', () => {
  it(
    "records the mail from S3 on the customer's timeline, " +
      'stores its attachment in S3, and opens an inquiry; a retry changes nothing',
    async () => {
      const customer = await createCustomer(t, {
        contactPoints: [{ kind: 'email', value: 'sun.mei@example.com', verified: true }],
      });
      await storeInbound('ses-1', {
        from: 'Sun Mei <sun.mei@example.com>',
        to: 'care@bank.example',
        subject: 'Loan documents',
        text: 'Attached are the documents you asked for.',
        messageId: `<ses-1.${Date.now()}@mail.example.com>`,
        attachments: [
          { filename: 'payslip.pdf', content: Buffer.from('%PDF-1.4 payslip'), contentType: 'application/pdf' },
        ],
      });
      await handler(sesEvent('ses-1'));
      await handler(sesEvent('ses-1')); // SES retries an asynchronous invocation that failed or timed out

      const timeline = await timelineOf(t, customer.id);
      const contacts = timeline.filter((e) => e.type === 'contact' && e.direction === 'inbound') as {
        channel: string;
        details: { attachments: { id: string }[]; authentication: unknown };
      }[];
      expect(contacts).toHaveLength(1);
      expect(contacts[0]!.channel).toBe('email');
      expect(contacts[0]!.details.authentication).toEqual({ spf: 'PASS', dkim: 'PASS', dmarc: 'GRAY' });
      const { id } = contacts[0]!.details.attachments[0]!;
      expect(JSON.stringify(contacts[0]!.details)).not.toContain('s3://');
      const stored = await s3.send(new GetObjectCommand({ Bucket: ATTACHMENTS, Key: `attachments/${id}` }));
      expect(Buffer.from(await stored.Body!.transformToByteArray()).toString()).toBe('%PDF-1.4 payslip');
      expect(timeline.filter((e) => e.type === 'case')).toHaveLength(1);
    },
  );

  it('drops what SES judged spam without recording a contact', async () => {
    const customer = await createCustomer(t, {
      contactPoints: [{ kind: 'email', value: 'spam.target@example.com', verified: true }],
    });
    await storeInbound('ses-2', {
      from: 'spam.target@example.com',
      to: 'care@bank.example',
      subject: 'WIN NOW',
      text: 'Click here',
      messageId: `<ses-2.${Date.now()}@mail.example.com>`,
    });
    await handler(sesEvent('ses-2', 'FAIL'));
    expect(await timelineOf(t, customer.id)).toHaveLength(0);
  });

  it('never threads mail failing SPF and DKIM, even from a verified address naming its own case', async () => {
    const customer = await createCustomer(t, {
      contactPoints: [{ kind: 'email', value: 'ma.li@example.com', verified: true }],
    });
    await storeInbound('ses-3', {
      from: 'ma.li@example.com',
      to: 'care@bank.example',
      subject: 'Card question',
      text: 'How do I activate it?',
      messageId: `<ses-3.${Date.now()}@mail.example.com>`,
    });
    await handler(sesEvent('ses-3'));
    const caseEntry = (await timelineOf(t, customer.id)).find((e) => e.type === 'case') as {
      links: { caseId: string };
    };
    await storeInbound('ses-4', {
      from: 'ma.li@example.com',
      to: 'care@bank.example',
      subject: `Re: [${caseEntry.links.caseId}] Card question`,
      text: 'Please change my phone number to +86 139 0000 6666',
      messageId: `<ses-4.${Date.now()}@forger.example>`,
    });
    await handler(sesEvent('ses-4', 'PASS', 'FAIL'));
    const { caseId } = caseEntry.links;
    const messages = await partitionItems(t, keys.casePartition(caseId), 'MSG#');
    expect(messages).toHaveLength(0);
    const held = await partitionItems(t, keys.anonymousPartition('email', 'ma.li@example.com'), 'TL#');
    expect(held).toHaveLength(1);
    expect(held[0]!.details).toMatchObject({
      held: 'sender_failed_checks',
      authentication: { spf: 'FAIL', dkim: 'FAIL', dmarc: 'GRAY' },
    });
  });

  it('fails the invocation (so SES retries it) when the message is not in S3', async () => {
    await expect(handler(sesEvent('ses-missing'))).rejects.toThrow();
  });
});

/** A message in a legacy charset, as Chinese, Taiwanese and Japanese mail clients still send it. */
function legacyMail(messageId: string, from: string, subject: string, body: Buffer, charset: string): Buffer {
  const encodedSubject = `=?${charset}?B?${subject}?=`;
  return Buffer.from(
    [
      `From: ${from}`,
      'To: care@bank.example',
      `Subject: ${encodedSubject}`,
      `Message-ID: <${messageId}.${Date.now()}@mail.example.com>`,
      'MIME-Version: 1.0',
      `Content-Type: text/plain; charset=${charset}`,
      'Content-Transfer-Encoding: base64',
      '',
      body.toString('base64').replace(/.{76}/g, '$&\r\n'),
      '',
    ].join('\r\n'),
  );
}

describe('the email function as deployed (built with the stack bundling)', () => {
  let deployed: (event: SESEvent) => Promise<void>;
  let outdir: string;

  beforeAll(async () => {
    outdir = mkdtempSync(join(tmpdir(), 'cc-email-bundle-'));
    const result = await build(esbuildOptionsFrom(bundling, 'functions/email-inbound.ts', outdir));
    const inputs = Object.keys(result.metafile!.inputs);
    expect(inputs.some((i) => i.endsWith('packages/channels/src/charsets/text-decoder.ts'))).toBe(true);
    expect(inputs.filter((i) => i.includes('node_modules/iconv-lite/'))).toEqual([]);
    ({ handler: deployed } = (await import(pathToFileURL(join(outdir, 'index.mjs')).href)) as {
      handler: typeof deployed;
    });
  });
  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  const cases = [
    {
      charset: 'gb2312',
      subject: '信用卡被冻结',
      text: '您好，我的信用卡被冻结了，请尽快处理。账户尾号 8866，谢谢！',
      bytes: (s: string) => iconv.encode(s, 'gbk'),
    },
    {
      charset: 'big5',
      subject: '信用卡被凍結',
      // 𨋢 (a lift, in Hong Kong addresses) is Big5-HKSCS: Node's own Big5 decoder drops it.
      text: '您好，我的信用卡被凍結了，請盡快處理。地址：香港九龍 𨋢 旁。',
      bytes: (s: string) => iconv.encode(s, 'big5hkscs'),
    },
    {
      charset: 'shift_jis',
      subject: '口座の残高',
      text: '口座の残高を確認したいです。カードが使えません（ｶﾀｶﾅ）。',
      bytes: (s: string) => iconv.encode(s, 'shift_jis'),
    },
    {
      charset: 'iso-2022-jp',
      subject: '口座の残高',
      text: '口座の残高',
      // JIS X 0208 between ESC $ B and ESC ( B (iconv-lite cannot write ISO-2022-JP).
      bytes: () => Buffer.from('1b2442387d3a42244e3b4439621b2842', 'hex'),
    },
  ];

  it.each(cases)('records $charset mail with its text and subject as written', async (mail) => {
    const address = `legacy.${mail.charset.replace(/\W/g, '')}@example.com`;
    const customer = await createCustomer(t, { contactPoints: [{ kind: 'email', value: address, verified: true }] });
    const id = `ses-${mail.charset}`;
    const raw = legacyMail(
      id,
      address,
      mail.bytes(mail.subject).toString('base64'),
      mail.bytes(mail.text),
      mail.charset,
    );
    await s3.send(new PutObjectCommand({ Bucket: RAW, Key: `inbound/${id}`, Body: raw }));
    await deployed(sesEvent(id));

    const contact = (await timelineOf(t, customer.id)).find((e) => e.type === 'contact') as {
      details: { subject: string; text: string };
    };
    expect(contact.details).toMatchObject({ subject: mail.subject, text: mail.text });
  });
});

describe("the public edge Lambda's email webhook", () => {
  it("is not served in AWS (email comes through SES), so nothing is written to the function's disk", async () => {
    const customer = await createCustomer(t, { contactPoints: [{ kind: 'email', value: 'zhou.fang@example.com' }] });
    const raw = await new MailComposer({
      from: 'zhou.fang@example.com',
      to: 'care@bank.example',
      subject: 'Statement',
      text: 'My statement is attached.',
      messageId: `<hook-1.${Date.now()}@mail.example.com>`,
      attachments: [{ filename: 'statement.pdf', content: Buffer.from('%PDF-1.4 statement') }],
    })
      .compile()
      .build();
    const { handler: edge } = await import('../../functions/public');
    const answer = (await edge(
      {
        version: '2.0',
        routeKey: '$default',
        rawPath: '/webhooks/email',
        rawQueryString: '',
        headers: {
          'content-type': 'message/rfc822',
          'x-signature': emailSignatureHeader(WEBHOOK_SECRET, Math.floor(Date.now() / 1000), raw),
        },
        requestContext: { http: { method: 'POST', path: '/webhooks/email', sourceIp: '127.0.0.1' } },
        body: raw.toString('base64'),
        isBase64Encoded: true,
      } as never,
      {} as never,
    )) as { statusCode: number; body: string };
    expect(answer.statusCode).toBe(404);
    expect(JSON.parse(answer.body)).toMatchObject({ code: 'webhook.not_served' });
    expect(await timelineOf(t, customer.id)).toHaveLength(0);
  });
});
