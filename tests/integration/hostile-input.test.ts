import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { computeTwilioSignature, emailSignatureHeader } from '@cc/channels';
import type { Caller } from '@cc/core';
import { seedDemoData } from '@cc/local/seed';
import document from '../../packages/api/openapi.json';
import { createTestContext, type TestContext } from '../support/harness';

/**
 * Every write route of /openapi.json, fed hostile values by fast-check: bodies built from the route's own schema
 * with values no one should send (control characters, bidirectional overrides, invisible names, full-width copies,
 * numbers past 2^53 or below DynamoDB's range, dates in year 0001 or 9999, keys past 2 KB), raw bodies that are not
 * JSON or nest 100,000 deep, other media types, and hostile headers. Whatever comes in, the answer is never a 5xx,
 * every refusal is an application/problem+json, and a refused request writes nothing.
 */
type Schema = {
  $ref?: string;
  type?: string | string[];
  properties?: Record<string, Schema>;
  items?: Schema;
  enum?: unknown[];
  anyOf?: Schema[];
  oneOf?: Schema[];
  allOf?: Schema[];
  format?: string;
  const?: unknown;
};
type Operation = {
  operationId: string;
  parameters?: { name: string; in: string; schema: Schema }[];
  requestBody?: { content: Record<string, { schema: Schema }> };
};
const doc = document as unknown as {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema> };
};

const writes = Object.entries(doc.paths).flatMap(([path, methods]) =>
  Object.entries(methods)
    .filter(([method]) => ['post', 'put', 'patch', 'delete'].includes(method))
    .map(([method, op]) => ({ path, method: method.toUpperCase(), op })),
);

const reads = Object.entries(doc.paths).flatMap(([path, methods]) =>
  Object.entries(methods)
    .filter(([method]) => method === 'get')
    .map(([, op]) => ({ path, op })),
);

const resolve = (schema: Schema): Schema =>
  schema.$ref ? resolve(doc.components.schemas[schema.$ref.split('/').pop()!]!) : schema;

// ---------------------------------------------------------------- hostile values
const hostileStrings = [
  'Refund\r\nBcc: everyone@evil.example',
  'line\u2028separator',
  '\u202Egnp.exe',
  'name\u2066hidden\u2069',
  '\u200B\u200B\u200B',
  '\u3164',
  '\u0000',
  '\u0007bell',
  '\uD800',
  'ＤＥＭＯ－０００１',
  '１３８ ００００ ０００１',
  'Ｄemo1@Example.COM',
  'x'.repeat(3000),
  '界'.repeat(1000),
  '😀'.repeat(600),
  '../../../../etc/passwd',
  'CUST#01ABC#PROFILE',
  '<script>alert(1)</script>',
  "' OR '1'='1",
  '',
  ' ',
  '+86 138 0000 0001',
  'demo1@example.com',
];
const hostileNumbers = [2 ** 53 + 1, 1e21, 1e308, -1e308, 1e-300, -0, 0.1 + 0.2, -1, 1.005, 9_999_999_999_999.99];
const hostileDates = [
  '0001-01-01',
  '9999-12-31',
  '0001-01-01T00:00:00Z',
  '9999-12-31T23:59:59Z',
  '2026-02-30',
  new Date(Date.now() + 10 * 86_400_000).toISOString(),
  new Date().toISOString(),
];
const scalar = fc.oneof(
  fc.constantFrom<unknown>(...hostileStrings, ...hostileNumbers, ...hostileDates, true, false, null),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.integer(),
  fc.double({ noNaN: true }),
);
const hostile = fc.oneof(
  { weight: 6, arbitrary: scalar },
  { weight: 1, arbitrary: fc.array(scalar, { maxLength: 3 }) },
  { weight: 1, arbitrary: fc.dictionary(fc.string({ maxLength: 8 }), scalar, { maxKeys: 3 }) },
);

/** A plausible value for a schema, or (as often) a hostile one. */
function valueFor(schema: Schema, depth = 0): fc.Arbitrary<unknown> {
  const s = resolve(schema);
  const alternatives = s.anyOf ?? s.oneOf;
  if (alternatives) return fc.oneof(...alternatives.map((a) => valueFor(a, depth)));
  if (s.allOf) return valueFor(s.allOf[0]!, depth);
  if (s.const !== undefined) return fc.constant(s.const);
  if (s.enum) return fc.oneof(fc.constantFrom(...s.enum), hostile);
  const type = Array.isArray(s.type) ? s.type[0] : s.type;
  const plausible =
    type === 'object' && depth < 3
      ? bodyFor(s, depth + 1)
      : type === 'array'
        ? fc.array(s.items ? valueFor(s.items, depth + 1) : hostile, { maxLength: 3 })
        : type === 'number' || type === 'integer'
          ? fc.oneof(fc.constantFrom(...hostileNumbers), fc.integer({ min: 0, max: 1_000_000 }))
          : type === 'boolean'
            ? fc.boolean()
            : s.format === 'date' || s.format === 'date-time'
              ? fc.constantFrom(...hostileDates)
              : fc.constantFrom<unknown>(...hostileStrings);
  return fc.oneof({ weight: 3, arbitrary: plausible }, { weight: 1, arbitrary: hostile });
}

/** An object with the schema's fields (any of them left out), plus now and then one it does not know. */
function bodyFor(schema: Schema, depth = 0): fc.Arbitrary<Record<string, unknown>> {
  const properties = resolve(schema).properties ?? {};
  const fields = Object.fromEntries(Object.entries(properties).map(([k, v]) => [k, valueFor(v, depth)]));
  return fc
    .tuple(fc.record(fields, { requiredKeys: [] }), fc.option(fc.constantFrom('ownerId', 'status', '__proto__')))
    .map(([body, extra]) => (extra ? { ...body, [extra]: 'x' } : body));
}

const deep = (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`;
const rawBodies = fc.constantFrom(
  '{"name":',
  '[1,2',
  '{"description": "x"',
  deep(100_000),
  `{"name":"x","idempotent":${deep(5000)}}`,
  'null',
  '"a string"',
  '1e999',
  '\uFEFF{}',
  '',
  'name=x&phone=1',
  '<xml/>',
);
const contentTypes = fc.constantFrom(
  'application/json',
  'application/json',
  'application/json; charset=utf-8',
  'text/plain',
  'application/xml',
  'multipart/form-data; boundary=nothing',
  'application/x-www-form-urlencoded',
  'message/rfc822',
  'application/x-ndjson',
);
/** Header values a client could send (HTTP allows bytes up to 0xFF; no line breaks). */
const headerValues = fc.oneof(
  fc.constantFrom('"1"', '"99999999999999999999"', 'W/"1"', '1', '"-1"', '*', 'x'.repeat(5000), 'key\u00e9', '""'),
  fc.string({ minLength: 1, maxLength: 300 }).filter((v) => /^[\x20-\x7e]+$/.test(v)),
);

// ---------------------------------------------------------------- the app, its objects, and what it writes
let t: TestContext;
let token: string;
let adminToken: string;
const ids: Record<string, string> = {};
let written: string[] = [];
let runs = 0;

/** Keys the app may write on a refused request: abuse-limit windows and the audit trail of an attempt. */
const harmless = /^(RATE#|AUDIT#)/;

function watchWrites(): () => void {
  const doc = t.deps.store.doc;
  const send = doc.send.bind(doc);
  doc.send = (async (
    command: { constructor: { name: string }; input: Record<string, unknown> },
    ...rest: unknown[]
  ) => {
    const result = await (send as (...args: unknown[]) => Promise<unknown>)(command, ...rest);
    const name = command.constructor.name;
    const input = command.input as {
      Item?: { pk?: string };
      Key?: { pk?: string };
      TransactItems?: Record<string, { Item?: { pk?: string }; Key?: { pk?: string } }>[];
    };
    if (/^(Put|Update|Delete)Command$/.test(name)) written.push(String(input.Item?.pk ?? input.Key?.pk));
    if (name === 'TransactWriteCommand') {
      for (const item of input.TransactItems ?? []) {
        const write = item.Put ?? item.Update ?? item.Delete;
        if (write) written.push(String(write.Item?.pk ?? write.Key?.pk));
      }
    }
    return result;
  }) as typeof doc.send;
  return () => {
    doc.send = send as typeof doc.send;
  };
}

let unwatch: () => void;
beforeAll(async () => {
  t = await createTestContext({ PUBLIC_RATE_LIMIT_PER_MINUTE: '10000' });
  await seedDemoData(t.services);
  token = await t.token('sup-1', 'supervisor', 'BR-001');
  adminToken = await t.token('admin-1', 'admin', 'BR-001');
  const sup: Caller = { userId: 'sup-1', role: 'supervisor', branchId: 'BR-001' };
  const [customer] = await t.services.customers.lookup(sup, { kind: 'number', value: 'DEMO-0001' });
  ids.customer = customer!.id;
  const c = await t.services.cases.create(
    { channel: 'web' },
    { type: 'inquiry', subject: 'product', productCode: 'WM-1', description: 'Fixture', customerId: ids.customer },
  );
  ids.case = c.id;
  const request = await t.services.changeRequests.request(
    { userId: 'mgr-1', role: 'manager', branchId: 'BR-001' },
    ids.customer,
    { kind: 'level', level: 'private', reason: 'fixture' },
  );
  ids['change-request'] = request.id;
  ids.team = 'TEAM-1';
  unwatch = watchWrites();
}, 120_000);

afterAll(() => {
  unwatch?.();
  process.stdout.write(`hostile input: ${runs} requests over ${writes.length} write and ${reads.length} read routes\n`);
});

/** A lone surrogate cannot be put in a URL at all (encodeURIComponent throws): no client can send one there. */
const encodable = (s: string) => {
  try {
    return encodeURIComponent(s) !== undefined;
  } catch {
    return false;
  }
};

/** The fixture an {id} of this path names, or a hostile id. */
function pathFor(template: string, hostileId: string | null): string {
  const kind = template.split('/')[1]!.replace(/s$/, '');
  return template.replace(/\{(\w+)\}/g, () => encodeURIComponent(hostileId ?? ids[kind] ?? ids.customer!));
}

interface Sent {
  status: number;
  type: string;
  text: string;
}

async function send(method: string, path: string, headers: Record<string, string>, body?: string | Buffer) {
  written = [];
  runs++;
  const res = await t.app.request(path, { method, headers, body: method === 'DELETE' && !body ? undefined : body });
  return { status: res.status, type: res.headers.get('content-type') ?? '', text: await res.text() } as Sent;
}

function assertSafe(sent: Sent, what: string) {
  expect(sent.status, `${what}: ${sent.text.slice(0, 300)}`).toBeLessThan(500);
  if (sent.status >= 400) {
    expect(sent.type, `${what}: ${sent.text.slice(0, 200)}`).toMatch(/application\/problem\+json|text\/html/);
  }
  if (sent.status >= 400) {
    const partial = written.filter((pk) => !harmless.test(pk));
    expect(partial, `${what} answered ${sent.status} but wrote`).toEqual([]);
  }
}

const RUNS = 25;

describe('hostile input to every write route', () => {
  it('covers every write route of /openapi.json, the public and webhook ones too', () => {
    expect(writes.map((w) => w.op.operationId)).toEqual(
      expect.arrayContaining(['createCustomer', 'submitComplaint', 'receiveTwilioSms', 'receiveEmail', 'importCases']),
    );
  });

  for (const { path, method, op } of writes) {
    it(`${op.operationId}: never a 5xx, always a problem, nothing written on refusal`, async () => {
      const json = op.requestBody?.content['application/json']?.schema;
      const request = fc.record({
        body: fc.oneof(
          { weight: 3, arbitrary: json ? bodyFor(json).map((b) => JSON.stringify(b)) : rawBodies },
          { weight: 1, arbitrary: rawBodies },
        ),
        contentType: fc.oneof({ weight: 3, arbitrary: fc.constant('application/json') }, contentTypes),
        id: fc.option(fc.constantFrom(...hostileStrings.filter((s) => s !== '' && encodable(s))), { freq: 4 }),
        idempotencyKey: fc.option(headerValues, { freq: 2 }),
        ifMatch: fc.option(headerValues, { freq: 2 }),
      });
      await fc.assert(
        fc.asyncProperty(request, async (r) => {
          const headers: Record<string, string> = { authorization: `Bearer ${token}`, 'content-type': r.contentType };
          if (r.idempotencyKey) headers['idempotency-key'] = r.idempotencyKey;
          if (r.ifMatch) headers['if-match'] = r.ifMatch;
          const sent = await send(method, pathFor(path, r.id), headers, r.body);
          assertSafe(sent, `${method} ${path} ${JSON.stringify(r).slice(0, 400)}`);
        }),
        { numRuns: RUNS },
      );
    });
  }

  it('every read route: each query parameter given each hostile value, as a supervisor and as an admin', async () => {
    // The others valid, so the hostile one gets as far as it can (admins' reports reach the store with any branch).
    const today = new Date().toISOString().slice(0, 10);
    const valid: Record<string, string> = {
      from: today,
      to: today,
      month: today.slice(0, 7),
      customerId: ids.customer!,
    };
    const values = [
      ...hostileStrings.filter(encodable),
      ...hostileNumbers.map(String),
      ...hostileDates,
      '1e400',
      '9007199254740993',
    ];
    for (const { path, op } of reads) {
      const names = (op.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name);
      const base = Object.fromEntries(names.filter((n) => valid[n]).map((n) => [n, valid[n]!]));
      for (const name of names) {
        for (const value of values) {
          const url = `${pathFor(path, null)}?${new URLSearchParams({ ...base, [name]: value })}`;
          for (const bearer of [token, adminToken]) {
            assertSafe(await send('GET', url, { authorization: `Bearer ${bearer}` }), `GET ${url.slice(0, 300)}`);
          }
        }
      }
    }
  }, 300_000);

  it('every read route: hostile ids in the path are refused as problems, never a 5xx', async () => {
    const withId = reads.filter(({ path }) => path.includes('{'));
    for (const { path } of withId) {
      for (const id of hostileStrings.filter((s) => s !== '' && encodable(s))) {
        assertSafe(await send('GET', pathFor(path, id), { authorization: `Bearer ${token}` }), `GET ${path} ${id}`);
      }
    }
  });

  it('receiveTwilioSms, signed as Twilio signs: hostile parameters are refused or recorded, never a 5xx', async () => {
    const params = fc.record({
      MessageSid: fc.oneof(fc.constant(`SM${'a'.repeat(32)}`), fc.constantFrom(...hostileStrings)),
      From: fc.constantFrom(...hostileStrings, '+8613800000001', 'x'.repeat(3000)),
      To: fc.constantFrom('+10000000000', ...hostileStrings),
      Body: fc.constantFrom(...hostileStrings, 'STOP', 'HELP'),
      NumMedia: fc.constantFrom('0', '1', '99', '-1', '1e3'),
    });
    await fc.assert(
      fc.asyncProperty(params, fc.nat(), async (p, n) => {
        const form = {
          ...p,
          MessageSid: p.MessageSid.startsWith('SM') ? `SM${n.toString(16).padStart(32, '0')}` : p.MessageSid,
        };
        const body = new URLSearchParams(form).toString();
        const url = `${t.config.PUBLIC_BASE_URL}/webhooks/sms/twilio`;
        const headers = {
          'content-type': 'application/x-www-form-urlencoded',
          'x-twilio-signature': computeTwilioSignature(t.config.TWILIO_AUTH_TOKEN!, url, form),
        };
        assertSafe(await send('POST', '/webhooks/sms/twilio', headers, body), `sms ${body.slice(0, 200)}`);
      }),
      { numRuns: RUNS * 2 },
    );
  });

  it('receiveEmail, signed as the relay signs: hostile headers are refused or recorded, never a 5xx', async () => {
    const mail = fc.record({
      from: fc.constantFrom('demo1@example.com', `${'x'.repeat(3000)}@example.com`, 'not an address', '\u202E@x.y'),
      subject: fc.constantFrom(...hostileStrings),
      messageId: fc.constantFrom('<a@b>', `<${'m'.repeat(3000)}@x>`, '', '<\u0000@x>'),
      references: fc.array(fc.constantFrom('<a@b>', `<${'r'.repeat(2500)}@x>`, '<C-2026-000001@x>'), { maxLength: 60 }),
      text: fc.constantFrom(...hostileStrings),
    });
    await fc.assert(
      fc.asyncProperty(mail, fc.nat(), async (m, n) => {
        const raw = Buffer.from(
          [
            `From: ${m.from}`,
            'To: care@bank.example',
            `Subject: ${m.subject.replace(/[\r\n]/g, ' ')}`,
            `Message-ID: ${m.messageId || `<${n}.${Date.now()}@x>`}`,
            ...(m.references.length ? [`References: ${m.references.join(' ')}`] : []),
            '',
            m.text,
          ].join('\r\n'),
        );
        const headers = {
          'content-type': 'message/rfc822',
          'x-signature': emailSignatureHeader(t.config.EMAIL_WEBHOOK_SECRET!, Math.floor(Date.now() / 1000), raw),
        };
        assertSafe(await send('POST', '/webhooks/email', headers, raw), `email ${JSON.stringify(m).slice(0, 200)}`);
      }),
      { numRuns: RUNS * 2 },
    );
  });

  it('imports, line by line: hostile lines are rejected with their reason, never a 5xx', async () => {
    const line = fc.oneof(
      fc
        .record(
          {
            source: fc.constantFrom('call_center', 'online_banking', 'x'),
            externalId: fc.constantFrom(...hostileStrings),
            customerNumber: fc.constantFrom('DEMO-0001', 'ＤＥＭＯ－０００１', 'DEMO-0101', ...hostileStrings),
            type: fc.constantFrom('complaint', 'inquiry'),
            description: fc.constantFrom(...hostileStrings),
            occurredAt: fc.constantFrom(...hostileDates),
          },
          { requiredKeys: [] },
        )
        .map((l) => JSON.stringify(l)),
      rawBodies,
    );
    await fc.assert(
      fc.asyncProperty(fc.array(line, { minLength: 1, maxLength: 5 }), async (lines) => {
        const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/x-ndjson' };
        const sent = await send('POST', '/imports/cases', headers, lines.join('\n'));
        assertSafe(sent, `import ${lines.join('|').slice(0, 200)}`);
      }),
      { numRuns: RUNS },
    );
  });
});
