import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ContactCenterStack } from '../../infra/contact-center-stack';
import { GIVEN_UP_METRIC } from '../../infra/constructs/given-up-alarm';
import { originVerifyHeader } from '../../infra/constructs/front-door';
import { timeouts } from '../../infra/ops-config';
import { givenUpMessages } from '@cc/core/log';
import { lambdaConfigSchema, publicLambdaConfigSchema } from '@cc/api/config';
import { REFERENCE_SCRIPT_FILE, resolvePackagedReferenceScript } from '@cc/api/reference';
import { queueDefinitions } from '@cc/messaging/queues';
import { tableDefinition } from '@cc/store/keys';
import { fromRoot } from '../../infra/paths';
import { accessProfiles } from '../../infra/constructs/table-access';
import { asArray, synthesise, type Json, type Synthesised } from './synth';

// The default stage (dev), bundled: what `npm run synth` produces. Prod's differences: ops.test.ts.
let s: Synthesised;
let outdir: string;
let stack: ContactCenterStack;
let template: Template;
let resources: Record<string, Json>;
let logicalId: (construct: IConstruct) => string;
let ofType: (type: string) => Array<[string, Json]>;

beforeAll(() => {
  s = synthesise('dev');
  ({ outdir, main: stack, template, resources, logicalId, ofType } = s);
}, 120_000);

afterAll(() => s?.cleanup());

describe('table', () => {
  it('is one on-demand table keyed and indexed exactly as tableDefinition says', () => {
    template.resourceCountIs('AWS::DynamoDB::GlobalTable', 1);
    const [, table] = ofType('AWS::DynamoDB::GlobalTable')[0]!;
    const props = table.Properties;
    expect(props.BillingMode).toBe('PAY_PER_REQUEST');
    expect(props.KeySchema).toEqual([
      { AttributeName: tableDefinition.partitionKey, KeyType: 'HASH' },
      { AttributeName: tableDefinition.sortKey, KeyType: 'RANGE' },
    ]);
    expect(props.TimeToLiveSpecification).toEqual({ AttributeName: tableDefinition.ttlAttribute, Enabled: true });
    expect(props.SSESpecification).toEqual({ SSEEnabled: true, SSEType: 'KMS' });

    expect(props.GlobalSecondaryIndexes).toHaveLength(3);
    expect(props.GlobalSecondaryIndexes).toEqual(
      tableDefinition.indexes.map((index) => ({
        IndexName: index.name,
        KeySchema: [
          { AttributeName: index.partitionKey, KeyType: 'HASH' },
          { AttributeName: index.sortKey, KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      })),
    );
    for (const index of tableDefinition.indexes) {
      expect(props.AttributeDefinitions).toContainEqual({ AttributeName: index.partitionKey, AttributeType: 'S' });
      expect(props.AttributeDefinitions).toContainEqual({ AttributeName: index.sortKey, AttributeType: 'S' });
    }
  });

  it('has point-in-time recovery in dev too; deletion protection and Retain are prod-only (ops.test.ts)', () => {
    template.hasResource('AWS::DynamoDB::GlobalTable', {
      DeletionPolicy: 'Delete',
      Properties: {
        Replicas: [
          Match.objectLike({
            DeletionProtectionEnabled: false,
            PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
          }),
        ],
      },
    });
  });
});

describe('queues', () => {
  const mainQueue = () => {
    const found = ofType('AWS::SQS::Queue').filter(([, q]) => q.Properties?.RedrivePolicy);
    expect(found).toHaveLength(1);
    return found[0]!;
  };
  const dlq = () => {
    const found = ofType('AWS::SQS::Queue').filter(
      ([id, q]) => !q.Properties?.RedrivePolicy && id !== logicalId(stack.reporter.dlq),
    );
    expect(found).toHaveLength(1);
    return found[0]!;
  };

  it("are three (notifications, its DLQ, the reporter's DLQ), encrypted with SQS-managed keys, TLS-only", () => {
    template.resourceCountIs('AWS::SQS::Queue', 3);
    for (const [id, queue] of ofType('AWS::SQS::Queue')) {
      expect(queue.Properties.SqsManagedSseEnabled, id).toBe(true);
      template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [{ Ref: id }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          ]),
        },
      });
    }
  });

  it('redrive to the DLQ after 5 receives; the DLQ keeps messages 14 days', () => {
    const [, main] = mainQueue();
    const [dlqId, dead] = dlq();
    expect(main.Properties.RedrivePolicy).toEqual({
      deadLetterTargetArn: { 'Fn::GetAtt': [dlqId, 'Arn'] },
      maxReceiveCount: 5,
    });
    expect(queueDefinitions.notifications.maxReceiveCount).toBe(5);
    expect(dead.Properties.MessageRetentionPeriod).toBe(14 * 24 * 60 * 60);
  });

  it("give the main queue a visibility timeout >= 6x the notifier's timeout (both read from the template)", () => {
    const [mainId, main] = mainQueue();
    const [, mapping] = ofType('AWS::Lambda::EventSourceMapping').find(
      ([, m]) => JSON.stringify(m.Properties.EventSourceArn) === JSON.stringify({ 'Fn::GetAtt': [mainId, 'Arn'] }),
    )!;
    const notifierId = mapping.Properties.FunctionName.Ref as string;
    const notifierTimeout = Number(resources[notifierId]!.Properties.Timeout);
    const visibility = Number(main.Properties.VisibilityTimeout);
    expect(notifierTimeout).toBe(timeouts.notifier);
    expect(visibility).toBe(queueDefinitions.notifications.visibilityTimeoutSeconds);
    expect(visibility).toBeGreaterThanOrEqual(6 * notifierTimeout);
  });

  it('alarm as soon as one message is visible in the DLQ', () => {
    const [dlqId] = dlq();
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [dlqId, 'QueueName'] } }],
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      EvaluationPeriods: 1,
    });
  });
});

describe('work given up on after acceptance', () => {
  it("is counted from every function's log by its exact message, and alarms on the first", () => {
    // The API, the console, the public edge, the notifier, the sweeper and the email function.
    const filters = ofType('AWS::Logs::MetricFilter');
    expect(filters).toHaveLength(6);
    const logGroups = new Set(filters.map(([, f]) => JSON.stringify(f.Properties.LogGroupName)));
    expect(logGroups.size).toBe(6);
    for (const [, f] of filters) {
      for (const message of Object.values(givenUpMessages)) expect(f.Properties.FilterPattern).toContain(message);
      expect(f.Properties.MetricTransformations).toEqual([
        { MetricNamespace: GIVEN_UP_METRIC.namespace, MetricName: GIVEN_UP_METRIC.name, MetricValue: '1' },
      ]);
    }
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: GIVEN_UP_METRIC.namespace,
      MetricName: GIVEN_UP_METRIC.name,
      Statistic: 'Sum',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
    });
  });
});

describe('functions', () => {
  const banner = "import { createRequire } from 'module'; const require = createRequire(import.meta.url);";
  /** Every bundle's metafile in the cloud assembly. */
  const metafiles = () =>
    readdirSync(outdir)
      .map((dir) => path.join(outdir, dir, 'index.meta.json'))
      .filter((file) => existsSync(file));
  /** A function's bundle directory in the cloud assembly. */
  const assetDirOf = (fn: IConstruct) =>
    path.join(outdir, `asset.${(resources[logicalId(fn)]!.Properties.Code.S3Key as string).replace(/\.zip$/, '')}`);
  /** The inputs that put bytes into a bundle (one reached but tree-shaken away is not among them). */
  const bundledInputs = (metafile: string) => {
    const meta = JSON.parse(readFileSync(metafile, 'utf8')) as {
      outputs: Record<string, { inputs: Record<string, { bytesInOutput: number }> }>;
    };
    return Object.values(meta.outputs).flatMap((o) =>
      Object.entries(o.inputs).flatMap(([input, { bytesInOutput }]) => (bytesInOutput > 0 ? [input] : [])),
    );
  };

  it('are all Node.js 22 on arm64, without the cold-start cost of --enable-source-maps', () => {
    // api, console, public, notifier, sweeper, email-inbound, reporter, and the two secret rotations.
    const functions = ofType('AWS::Lambda::Function');
    expect(functions).toHaveLength(9);
    for (const [id, fn] of functions) {
      expect(fn.Properties.Runtime, id).toBe('nodejs22.x');
      expect(fn.Properties.Architectures, id).toEqual(['arm64']);
      expect(fn.Properties.Handler, id).toBe('index.handler');
      expect(fn.Properties.Environment?.Variables?.NODE_OPTIONS, id).toBeUndefined();
    }
  });

  it('are bundled as ESM with the require banner, a source map and a metafile', () => {
    const assetDirs = readdirSync(outdir).filter((name) => name.startsWith('asset.'));
    expect(assetDirs.length).toBeGreaterThanOrEqual(1);
    for (const dir of assetDirs) {
      const files = readdirSync(path.join(outdir, dir));
      expect(files).toEqual(expect.arrayContaining(['index.mjs', 'index.mjs.map', 'index.meta.json']));
      expect(readFileSync(path.join(outdir, dir, 'index.mjs'), 'utf8').startsWith(banner)).toBe(true);
    }
    const apiBundle = assetDirs
      .map((d) => path.join(outdir, d, 'index.mjs'))
      .find((f) => existsSync(f) && readFileSync(f).length > 100_000);
    expect(apiBundle, 'the API bundle (Hono app + AWS SDK) should be a real, non-trivial bundle').toBeDefined();
  });

  it('ship the OpenAPI document beside the API bundle, not inside it', () => {
    const withDocument = readdirSync(outdir).filter((dir) => existsSync(path.join(outdir, dir, 'openapi.json')));
    expect(withDocument).toHaveLength(1);
    const [dir] = withDocument;
    const shipped = readFileSync(path.join(outdir, dir!, 'openapi.json'), 'utf8');
    expect(shipped).toBe(readFileSync(fromRoot('packages/api/openapi.json'), 'utf8'));
    const bundled = readFileSync(path.join(outdir, dir!, 'index.mjs'), 'utf8');
    expect(bundled).not.toContain('"operationId"');
  });

  it("ship htmx beside the console's bundle for its pages, not inside it; the API's carries neither", () => {
    const withHtmx = readdirSync(outdir).filter((d) => existsSync(path.join(outdir, d, 'htmx.min.js')));
    expect(withHtmx).toHaveLength(1);
    const [dir] = withHtmx;
    expect(existsSync(path.join(outdir, dir!, 'openapi.json'))).toBe(false);
    const shipped = readFileSync(path.join(outdir, dir!, 'htmx.min.js'), 'utf8');
    expect(shipped).toBe(readFileSync(fromRoot('node_modules/htmx.org/dist/htmx.min.js'), 'utf8'));
    expect(readFileSync(path.join(outdir, dir!, 'index.mjs'), 'utf8')).not.toContain('defineExtension');
    // The API's bundle holds none of the console: its pages, session keys, styles and assets (issue 17: they cost
    // its cold start).
    const [api] = readdirSync(outdir).filter((d) => existsSync(path.join(outdir, d, 'openapi.json')));
    const bundled = bundledInputs(path.join(outdir, api!, 'index.meta.json'));
    expect(bundled.some((input) => input.includes('packages/api/src/routes/'))).toBe(true);
    // Only the console's path, which the shared response headers leave to the console (console/session.ts).
    const consoleParts = bundled.filter((input) => input.includes('packages/api/src/console/'));
    expect(consoleParts).toEqual(['packages/api/src/console/session.ts']);
  });

  it("split by audience: the public edge's bundle holds none of the staff routes, the API's none of the public", () => {
    const inputsOf = (fn: IConstruct) => bundledInputs(path.join(assetDirOf(fn), 'index.meta.json'));
    const routesIn = (fn: IConstruct) =>
      inputsOf(fn)
        .map((input) => /packages\/api\/src\/routes\/([\w-]+)\.ts$/.exec(input)?.[1])
        .filter((name): name is string => !!name)
        .sort();
    const edge = ['public', 'webhooks'];
    expect(routesIn(stack.api.public)).toEqual(edge);
    expect(routesIn(stack.api.handler)).toEqual(expect.arrayContaining(['cases', 'customers', 'health', 'reports']));
    expect(routesIn(stack.api.handler).filter((name) => edge.includes(name))).toEqual([]);
    // Nor the staff's machinery: no token verifier (jose), console, reports or audit services.
    const publicInputs = inputsOf(stack.api.public);
    for (const part of [
      'node_modules/jose/',
      'packages/api/src/console/pages/',
      'services/src/reports.ts',
      'services/src/audit.ts',
    ])
      expect(
        publicInputs.filter((input) => input.includes(part)),
        part,
      ).toEqual([]);
  });

  it('ship the reference page script beside the API bundle, not inside it (read when /docs is asked for)', () => {
    const [dir] = readdirSync(outdir).filter((d) => existsSync(path.join(outdir, d, 'openapi.json')));
    const shipped = readFileSync(path.join(outdir, dir!, REFERENCE_SCRIPT_FILE), 'utf8');
    expect(shipped).toBe(readFileSync(resolvePackagedReferenceScript(), 'utf8'));
    const meta = JSON.parse(readFileSync(path.join(outdir, dir!, 'index.meta.json'), 'utf8')) as Json;
    expect(Object.keys(meta.inputs as Json).filter((input) => input.includes('node_modules/redoc/'))).toEqual([]);
  });

  it('take credentials from the environment Lambda sets, without the default chain and its STS/SSO clients', () => {
    // Eight bundles: the two rotation functions share one.
    expect(metafiles().length).toBe(8);
    for (const file of metafiles()) {
      const inputs = Object.keys(
        (JSON.parse(readFileSync(file, 'utf8')) as { inputs: Record<string, unknown> }).inputs,
      );
      expect(
        inputs.filter((i) =>
          /@aws-sdk\/(credential-provider-(node|ini|sso|process|web-identity)|nested-clients)\//.test(i),
        ),
        file,
      ).toEqual([]);
      expect(
        inputs.some((i) => i.endsWith('infra/bundling/lambda-credentials.ts')),
        file,
      ).toBe(true);
    }
  });

  it('validate with zod/mini only (no classic zod), with its English messages wherever zod is bundled', () => {
    expect(metafiles().length).toBeGreaterThan(0);
    for (const file of metafiles()) {
      const bundled = bundledInputs(file);
      // Classic zod, or another locale (reaching into `z.core` or `z.locales` bundles the whole namespace).
      expect(
        bundled.filter((i) => /node_modules\/zod\/v4\/(classic\/|locales\/(?!en\.js$))/.test(i)),
        file,
      ).toEqual([]);
      if (bundled.some((i) => i.includes('node_modules/zod/v4/core/'))) {
        expect(
          bundled.some((i) => i.endsWith('node_modules/zod/v4/locales/en.js')),
          file,
        ).toBe(true);
      }
    }
  });

  it('parse mail in one bundle only: postal-mime, our charset decoders and HTML-to-text, none of mailparser', () => {
    const inputsOf = (file: string) =>
      Object.keys((JSON.parse(readFileSync(file, 'utf8')) as { inputs: Record<string, unknown> }).inputs);
    const bundles = metafiles().map(inputsOf);
    const parsing = bundles.filter((inputs) => inputs.some((i) => i.includes('node_modules/postal-mime/')));
    // The email function; the API's bundles load the parser only if a mail reaches them (never, in AWS).
    expect(parsing).toHaveLength(1);
    for (const own of ['charsets/text-decoder.ts', 'html-text.ts'])
      expect(parsing[0]!.some((i) => i.endsWith(`packages/channels/src/${own}`))).toBe(true);
    const heavy =
      /node_modules\/(mailparser|libmime|iconv-lite|encoding-japanese|html-to-text|htmlparser2|entities|he)\//;
    for (const inputs of bundles) expect(inputs.filter((i) => heavy.test(i))).toEqual([]);
  });

  it('leave the phone parser out of the email function: it takes senders by address only', () => {
    const bundled = bundledInputs(path.join(assetDirOf(stack.workers.emailInbound), 'index.meta.json'));
    expect(bundled.some((i) => i.includes('node_modules/postal-mime/'))).toBe(true);
    expect(bundled.filter((i) => i.includes('libphonenumber-js') || i.endsWith('phone-metadata.json'))).toEqual([]);
  });

  it('the API function: 1024 MB, its budget-derived timeout, and every variable lambdaConfigSchema requires', () => {
    const api = resources[logicalId(stack.api.handler)]!;
    expect(api.Properties).toMatchObject({
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      MemorySize: 1024,
      Timeout: timeouts.api,
    });
    const env = api.Properties.Environment.Variables as Json;
    const expected = [
      'TABLE_NAME',
      'NOTIFICATION_QUEUE_URL',
      'AUTH_ISSUER',
      'AUTH_AUDIENCE',
      'AUTH_JWKS_URL',
      'CURSOR_SECRET_ARN',
      'PUBLIC_BASE_URL',
      'RETENTION_DAYS',
      'ORIGIN_VERIFY_SECRET_ARN',
      'ORIGIN_VERIFY_HEADER',
      'STAGE',
    ];
    expect(Object.keys(env)).toEqual(expect.arrayContaining(expected));
    // Anything the schema requires without a default must be set, or the Lambda fails at init.
    const shape = lambdaConfigSchema.shape as Record<string, { safeParse(v: unknown): { success: boolean } }>;
    const required = Object.keys(shape).filter((key) => !shape[key]!.safeParse(undefined).success);
    expect(Object.keys(env)).toEqual(expect.arrayContaining(required));

    const tableId = logicalId(stack.data.table);
    expect(env.TABLE_NAME).toEqual({ Ref: tableId });
    expect(env.NOTIFICATION_QUEUE_URL).toEqual({ Ref: logicalId(stack.messaging.notifications) });
    expect(env.AUTH_AUDIENCE).toEqual({ Ref: logicalId(stack.auth.client) });
    // The public URL is CloudFront's: Twilio signs over it, receipts link to it.
    expect(env.PUBLIC_BASE_URL).toEqual({
      'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [logicalId(stack.frontDoor.distribution), 'DomainName'] }]],
    });
    expect(env.ORIGIN_VERIFY_SECRET_ARN).toEqual({ Ref: logicalId(stack.frontDoor.originSecret) });
    expect(env.ORIGIN_VERIFY_HEADER).toBe(originVerifyHeader);
    expect(env.STAGE).toBe('dev');
    expect(JSON.stringify(env.AUTH_ISSUER)).toContain('https://cognito-idp.');
    expect(JSON.stringify(env.AUTH_JWKS_URL)).toContain('/.well-known/jwks.json');
    expect(env.RETENTION_DAYS).toBe('395');
    // Secrets by ARN: no value of any secret is in the function's configuration, resolved or literal.
    expect(env.CURSOR_SECRET_ARN).toEqual({ Ref: logicalId(stack.api.cursorSecret) });
    // The webhook is the public edge's: the staff API has no Twilio token to read.
    for (const key of ['CURSOR_SECRET', 'TWILIO_AUTH_TOKEN', 'EMAIL_WEBHOOK_SECRET', 'CHANNEL_SECRETS_ARN'])
      expect(env, key).not.toHaveProperty(key);
    expect(JSON.stringify(env)).not.toContain('{{resolve:secretsmanager:');
  });

  it('the public edge: like the API, plus a reserved concurrency; the Twilio token by ARN, nothing of staff', () => {
    const edge = resources[logicalId(stack.api.public)]!;
    expect(edge.Properties).toMatchObject({
      MemorySize: 1024,
      Timeout: timeouts.api,
      ReservedConcurrentExecutions: stack.stage.reservedConcurrency.publicEdge,
    });
    const env = edge.Properties.Environment.Variables as Json;
    const shape = publicLambdaConfigSchema.shape as Record<string, { safeParse(v: unknown): { success: boolean } }>;
    const required = Object.keys(shape).filter((key) => !shape[key]!.safeParse(undefined).success);
    expect(Object.keys(env)).toEqual(expect.arrayContaining(required));
    expect(env.CHANNEL_SECRETS_ARN).toEqual({ Ref: logicalId(stack.api.channelSecrets) });
    expect(env.PUBLIC_BASE_URL).toEqual(
      resources[logicalId(stack.api.handler)]!.Properties.Environment.Variables.PUBLIC_BASE_URL,
    );
    expect(env.ORIGIN_VERIFY_SECRET_ARN).toEqual({ Ref: logicalId(stack.frontDoor.originSecret) });
    for (const key of ['AUTH_JWKS_URL', 'COGNITO_DOMAIN', 'CURSOR_SECRET_ARN', 'CURSOR_SECRET', 'TWILIO_AUTH_TOKEN'])
      expect(env, key).not.toHaveProperty(key);
    expect(JSON.stringify(env)).not.toContain('{{resolve:secretsmanager:');
  });

  it('the notifier consumes the notifications queue in batches of 10 and reports item failures', () => {
    template.resourceCountIs('AWS::Lambda::EventSourceMapping', 2);
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: logicalId(stack.workers.notifier) },
      EventSourceArn: { 'Fn::GetAtt': [logicalId(stack.messaging.notifications), 'Arn'] },
      BatchSize: 10,
      MaximumBatchingWindowInSeconds: 1,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
  });

  it('the notifier sends SMS with the Twilio token it reads by ARN, never one in its configuration', () => {
    const withTwilio = synthesise('dev', {
      bundle: false,
      context: { twilioAccountSid: `AC${'0'.repeat(32)}`, twilioFrom: '+8610955880000' },
    });
    try {
      const notifier = withTwilio.resources[withTwilio.logicalId(withTwilio.main.workers.notifier)]!;
      const env = notifier.Properties.Environment.Variables as Json;
      expect(env.CHANNEL_SECRETS_ARN).toEqual({ Ref: withTwilio.logicalId(withTwilio.main.api.channelSecrets) });
      expect(env).not.toHaveProperty('TWILIO_AUTH_TOKEN');
      expect(JSON.stringify(env)).not.toContain('{{resolve:secretsmanager:');
      const reads = withTwilio
        .statementsOf(withTwilio.main.workers.notifier)
        .filter((st) => asArray(st.Action).includes('secretsmanager:GetSecretValue'));
      expect(JSON.stringify(reads)).toContain(withTwilio.logicalId(withTwilio.main.api.channelSecrets));
    } finally {
      withTwilio.cleanup();
    }
  });

  it('an EventBridge rule runs the sweeper every minute', () => {
    template.resourceCountIs('AWS::Events::Rule', 1);
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 minute)',
      State: 'ENABLED',
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [logicalId(stack.workers.sweeper), 'Arn'] } })],
    });
    template.hasResourceProperties('AWS::Lambda::Permission', {
      FunctionName: { 'Fn::GetAtt': [logicalId(stack.workers.sweeper), 'Arn'] },
      Principal: 'events.amazonaws.com',
    });
    expect(Number(resources[logicalId(stack.workers.sweeper)]!.Properties.Timeout)).toBeLessThan(60);
  });
});

describe('HTTP API', () => {
  // Without the JWT authorizer: the documents (to the API), the public edge (to its function) and the console.
  const publicRouteKeys = [
    'GET /health',
    'GET /openapi.json',
    'GET /docs',
    'GET /docs/{proxy+}',
    'GET /complaint',
    'GET /complaint/status',
    'POST /complaint/status',
    'ANY /public/{proxy+}',
    'ANY /webhooks/{proxy+}',
    'GET /console',
    'GET /console/{proxy+}',
    'POST /console/{proxy+}',
  ];

  it('is an HTTP API with a Cognito JWT authorizer (issuer = user pool, audience = app client)', () => {
    template.resourceCountIs('AWS::ApiGatewayV2::Api', 1);
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', { ProtocolType: 'HTTP' });
    template.resourceCountIs('AWS::ApiGatewayV2::Authorizer', 1);
    template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'JWT',
      IdentitySource: ['$request.header.Authorization'],
      JwtConfiguration: {
        Audience: [{ Ref: logicalId(stack.auth.client) }],
        Issuer: {
          'Fn::Join': [
            '',
            [
              'https://cognito-idp.',
              { Ref: 'AWS::Region' },
              '.amazonaws.com/',
              { Ref: logicalId(stack.auth.userPool) },
            ],
          ],
        },
      },
    });
  });

  it('serves exactly the public routes without an authorizer and everything else through the JWT authorizer', () => {
    const routes = ofType('AWS::ApiGatewayV2::Route').map(([, r]) => r.Properties);
    const byKey = new Map(routes.map((r) => [r.RouteKey as string, r]));
    expect([...byKey.keys()].sort()).toEqual([...publicRouteKeys, 'ANY /{proxy+}'].sort());
    for (const key of publicRouteKeys) {
      expect(byKey.get(key)!.AuthorizationType, key).toBe('NONE');
      expect(byKey.get(key)!.AuthorizerId, key).toBeUndefined();
    }
    const [authorizerId] = ofType('AWS::ApiGatewayV2::Authorizer')[0]!;
    expect(byKey.get('ANY /{proxy+}')).toMatchObject({ AuthorizationType: 'JWT', AuthorizerId: { Ref: authorizerId } });
  });
  it('routes each audience to its own function: staff and documents, the console, the public edge', () => {
    const integrations = new Map(
      ofType('AWS::ApiGatewayV2::Integration').map(([id, i]) => [id, JSON.stringify(i.Properties.IntegrationUri)]),
    );
    const targetOf = (routeKey: string) => {
      const [, route] = ofType('AWS::ApiGatewayV2::Route').find(([, r]) => r.Properties.RouteKey === routeKey)!;
      const integrationId = (route.Properties.Target['Fn::Join'][1] as Json[])[1].Ref as string;
      const uri = integrations.get(integrationId)!;
      return (
        [
          ['api', stack.api.handler],
          ['console', stack.api.console],
          ['public', stack.api.public],
        ] as const
      ).find(([, fn]) => uri.includes(`"${logicalId(fn)}"`))![0];
    };
    const expected = {
      api: ['ANY /{proxy+}', 'GET /health', 'GET /openapi.json', 'GET /docs', 'GET /docs/{proxy+}'],
      console: ['GET /console', 'GET /console/{proxy+}', 'POST /console/{proxy+}'],
      public: [
        'GET /complaint',
        'GET /complaint/status',
        'POST /complaint/status',
        'ANY /public/{proxy+}',
        'ANY /webhooks/{proxy+}',
      ],
    };
    for (const [fn, keys] of Object.entries(expected)) for (const key of keys) expect(targetOf(key), key).toBe(fn);
  });
});

describe('IAM least privilege', () => {
  const statementsOf = (fn: IConstruct): Json[] => s.statementsOf(fn);

  it.each([
    ['the API', () => stack.api.handler, () => stack.api.cursorSecret, [] as string[]],
    ['the console', () => stack.api.console, () => stack.api.cursorSecret, [] as string[]],
    ['the public edge', () => stack.api.public, () => stack.api.channelSecrets, accessProfiles.publicEdge.never],
  ])(
    '%s: DynamoDB on the table (indexes), send to the notifications queue, read its two secrets',
    (_, of, own, never) => {
      const fn = of();
      const tableArn = { 'Fn::GetAtt': [logicalId(stack.data.table), 'Arn'] };
      const indexArns = tableDefinition.indexes.map((index) => ({
        'Fn::Join': ['', [tableArn, `/index/${index.name}`]],
      }));
      const queueArn = { 'Fn::GetAtt': [logicalId(stack.messaging.notifications), 'Arn'] };
      const statements = statementsOf(fn);
      expect(statements.length).toBeGreaterThan(0);

      const dynamo = statements.filter((s) =>
        asArray(s.Action as string | string[]).some((a) => a.startsWith('dynamodb:')),
      );
      const sqs = statements.filter((s) => asArray(s.Action as string | string[]).some((a) => a.startsWith('sqs:')));
      expect(dynamo.length).toBeGreaterThan(0);
      expect(sqs.length).toBeGreaterThan(0);
      for (const s of dynamo)
        for (const resource of asArray(s.Resource)) expect([tableArn, ...indexArns]).toContainEqual(resource);
      // What it does not compose is denied outright: the public edge touches no report, audit, team or change request.
      const denies = dynamo.filter((s) => s.Effect === 'Deny');
      expect(denies.flatMap((s) => s.Condition['ForAnyValue:StringLike']['dynamodb:LeadingKeys'])).toEqual(
        never.map((prefix) => `${prefix}*`),
      );
      const sqsActions = sqs.flatMap((s) => asArray(s.Action as string | string[]));
      expect(sqsActions).toContain('sqs:SendMessage');
      expect(sqsActions.filter((a) => /Receive|Delete|Purge|\*/.test(a))).toEqual([]);
      for (const s of sqs) for (const resource of asArray(s.Resource)) expect(resource).toEqual(queueArn);
      const dynamoActions = dynamo.flatMap((s) => asArray(s.Action as string | string[]));
      for (const action of [
        'dynamodb:Scan',
        'dynamodb:BatchWriteItem',
        'dynamodb:DescribeTable',
        'dynamodb:GetRecords',
      ])
        expect(dynamoActions).not.toContain(action);
      // Besides: its own log group, X-Ray, and reading its secrets: origin-verify, and the cursor key (staff) or the
      // channel secrets (the public edge's Twilio token), never both.
      const logs = statements.filter((s) => asArray(s.Action as string | string[]).some((a) => a.startsWith('logs:')));
      expect(logs).toHaveLength(1);
      expect(logs[0]!.Resource).toEqual({ 'Fn::GetAtt': [logicalId(fn.logGroup), 'Arn'] });
      const xray = statements.filter((s) => asArray(s.Action as string | string[]).some((a) => a.startsWith('xray:')));
      expect(xray).toHaveLength(1);
      const secrets = statements.filter((s) =>
        asArray(s.Action as string | string[]).some((a) => a.startsWith('secretsmanager:')),
      );
      expect(secrets).toHaveLength(1);
      expect(secrets[0]!.Action).toEqual(['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue']);
      expect(asArray(secrets[0]!.Resource)).toEqual(
        expect.arrayContaining([{ Ref: logicalId(stack.frontDoor.originSecret) }, { Ref: logicalId(own()) }]),
      );
      expect(asArray(secrets[0]!.Resource)).toHaveLength(2);
      // Nothing else: no S3 (email arrives through SES and the email function, never through the API's disk).
      expect(statements.length).toBe(dynamo.length + sqs.length + logs.length + xray.length + secrets.length);
    },
  );

  it('no policy grants DynamoDB or SQS actions on "*"', () => {
    for (const [id, policy] of ofType('AWS::IAM::Policy')) {
      for (const s of asArray(policy.Properties.PolicyDocument.Statement as Json | Json[])) {
        const actions = asArray(s.Action as string | string[]);
        if (actions.some((a) => a === '*' || a.startsWith('dynamodb:') || a.startsWith('sqs:'))) {
          expect(asArray(s.Resource), id).not.toContain('*');
          expect(actions, id).not.toContain('*');
          expect(actions, id).not.toContain('dynamodb:*');
          expect(actions, id).not.toContain('sqs:*');
        }
      }
    }
  });

  it('the notifier may consume the queue; only it may receive/delete messages', () => {
    const functions = [
      stack.api.handler,
      stack.api.console,
      stack.api.public,
      stack.workers.sweeper,
      stack.workers.emailInbound,
    ];
    for (const fn of [...functions, stack.workers.notifier]) {
      const actions = statementsOf(fn).flatMap((s) => asArray(s.Action as string | string[]));
      expect(actions.includes('sqs:ReceiveMessage'), fn.node.path).toBe(fn === stack.workers.notifier);
    }
  });
});

describe('inbound email', () => {
  it('stores raw mail in a private, encrypted, TLS-only bucket that expires it after 395 days', () => {
    const bucketId = logicalId(stack.workers.mailBucket);
    template.hasResourceProperties('AWS::S3::Bucket', {
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
      LifecycleConfiguration: {
        Rules: Match.arrayWith([Match.objectLike({ Prefix: 'inbound/', ExpirationInDays: 395, Status: 'Enabled' })]),
      },
    });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: bucketId },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          Match.objectLike({ Effect: 'Allow', Action: 's3:PutObject', Principal: { Service: 'ses.amazonaws.com' } }),
        ]),
      },
    });
  });

  it('an SES rule scans, stores to S3 under inbound/, then invokes the email function asynchronously', () => {
    template.resourceCountIs('AWS::SES::ReceiptRuleSet', 1);
    template.hasResourceProperties('AWS::SES::ReceiptRule', {
      Rule: {
        Enabled: true,
        ScanEnabled: true,
        Actions: [
          { S3Action: { BucketName: { Ref: logicalId(stack.workers.mailBucket) }, ObjectKeyPrefix: 'inbound/' } },
          {
            LambdaAction: {
              FunctionArn: { 'Fn::GetAtt': [logicalId(stack.workers.emailInbound), 'Arn'] },
              InvocationType: 'Event',
            },
          },
        ],
      },
    });
  });

  it('the email function reads only under inbound/ and writes only under attachments/', () => {
    const env = resources[logicalId(stack.workers.emailInbound)]!.Properties.Environment.Variables as Json;
    expect(env).toMatchObject({
      RAW_MAIL_BUCKET: { Ref: logicalId(stack.workers.mailBucket) },
      ATTACHMENTS_BUCKET: { Ref: logicalId(stack.workers.mailBucket) },
    });
    const roleId = resources[logicalId(stack.workers.emailInbound)]!.Properties.Role['Fn::GetAtt'][0];
    const puts = ofType('AWS::IAM::Policy')
      .filter(([, p]) => (p.Properties.Roles as Json[]).some((r) => r.Ref === roleId))
      .flatMap(([, p]) => asArray(p.Properties.PolicyDocument.Statement as Json | Json[]))
      .filter((s) => asArray(s.Action as string | string[]).includes('s3:PutObject'));
    expect(puts).toHaveLength(1);
    expect(JSON.stringify(puts[0]!.Resource)).toContain('/attachments/*');
    const s3Statements = s
      .statementsOf(stack.workers.emailInbound)
      .filter((st) => asArray(st.Action as string | string[]).some((a) => a.startsWith('s3:')));
    expect(s3Statements.flatMap((st) => asArray(st.Action as string | string[])).sort()).toEqual([
      's3:GetObject',
      's3:PutObject',
    ]);
    const gets = s3Statements.filter((st) => asArray(st.Action as string | string[]).includes('s3:GetObject'));
    expect(JSON.stringify(gets[0]!.Resource)).toContain('/inbound/*');
  });
});

describe('auth and outputs', () => {
  it('the user pool is admin-only with custom role and branch attributes the client cannot write', () => {
    template.hasResourceProperties('AWS::Cognito::UserPool', {
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
      Schema: Match.arrayWith([
        Match.objectLike({ Name: 'role', AttributeDataType: 'String' }),
        Match.objectLike({ Name: 'branch', AttributeDataType: 'String' }),
      ]),
    });
    const [, client] = ofType('AWS::Cognito::UserPoolClient')[0]!;
    expect(client.Properties.ReadAttributes).toEqual(expect.arrayContaining(['custom:role', 'custom:branch']));
    expect(client.Properties.WriteAttributes).not.toContain('custom:role');
    expect(client.Properties.WriteAttributes).not.toContain('custom:branch');
    expect(client.Properties.AllowedOAuthFlows ?? []).not.toContain('implicit');
  });

  it('the console signs in through the hosted UI: code grant with the front door callback and sign-out URLs', () => {
    const [, client] = ofType('AWS::Cognito::UserPoolClient')[0]!;
    const frontDoor = { 'Fn::GetAtt': [logicalId(stack.frontDoor.distribution), 'DomainName'] };
    expect(client.Properties.AllowedOAuthFlows).toEqual(['code']);
    expect(client.Properties.AllowedOAuthFlowsUserPoolClient).toBe(true);
    expect(client.Properties.AllowedOAuthScopes).toEqual(expect.arrayContaining(['openid', 'email', 'profile']));
    expect(client.Properties.GenerateSecret).toBe(false);
    expect(client.Properties.EnableTokenRevocation).toBe(true);
    expect(client.Properties.CallbackURLs).toEqual([
      { 'Fn::Join': ['', ['https://', frontDoor, '/console/auth/callback']] },
    ]);
    expect(client.Properties.LogoutURLs).toEqual([
      { 'Fn::Join': ['', ['https://', frontDoor, '/console/signed-out']] },
    ]);
    template.resourceCountIs('AWS::Cognito::UserPoolDomain', 1);
    const api = resources[logicalId(stack.api.handler)]!;
    expect(api.Properties.Environment.Variables.COGNITO_DOMAIN).toBeDefined();
  });

  it('exports the public (CloudFront) URL, the origin URL, table, queue, user pool, client and alarm topic', () => {
    const outputs = template.toJSON().Outputs as Json;
    expect(Object.keys(outputs)).toEqual(
      expect.arrayContaining([
        'ApiUrl',
        'OriginUrl',
        'TableName',
        'QueueUrl',
        'UserPoolId',
        'UserPoolClientId',
        'AlarmTopicArn',
        'DashboardName',
      ]),
    );
    expect(outputs.ApiUrl.Value).toEqual({
      'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [logicalId(stack.frontDoor.distribution), 'DomainName'] }]],
    });
    expect(outputs.OriginUrl.Value).toEqual({ 'Fn::GetAtt': [logicalId(stack.api.httpApi), 'ApiEndpoint'] });
    expect(outputs.TableName.Value).toEqual({ Ref: logicalId(stack.data.table) });
    expect(outputs.QueueUrl.Value).toEqual({ Ref: logicalId(stack.messaging.notifications) });
  });

  it('is environment-agnostic (synths offline, no lookups); the edge stack is pinned to us-east-1', () => {
    expect(stack.environment).toBe('aws://unknown-account/unknown-region');
    expect(s.edge.region).toBe('us-east-1');
  });
});
