import { Match } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accessLogFormat } from '../../infra/constructs/api-stage';
import { originVerifyHeader, originVerifyJsonKey } from '../../infra/constructs/front-door';
import { webAclName } from '../../infra/constructs/edge-web-acl';
import { keyPrefixes } from '../../infra/constructs/table-access';
import { edgeWebAclArnPattern } from '../../infra/contact-center-stack';
import { plannedPeak, stages, stageConfig } from '../../infra/ops-config';
import { metricNames, metricNamespace } from '@cc/core/metrics';
import { tableDefinition } from '@cc/store/keys';
import { asArray, synthesise, type Json, type Synthesised } from './synth';

let dev: Synthesised;
let prod: Synthesised;

beforeAll(() => {
  dev = synthesise('dev', { bundle: false });
  prod = synthesise('prod', { bundle: false });
}, 120_000);
afterAll(() => [dev, prod].forEach((s) => s?.cleanup()));

const actionsOf = (statement: Json) => asArray(statement.Action as string | string[]);

describe('the stage comes from context', () => {
  it('defaults to dev, names prod stacks by stage, refuses an unknown stage', () => {
    expect(dev.stage.stage).toBe('dev');
    expect(dev.main.stackName).toBe('ContactCenter');
    expect(prod.main.stackName).toBe('ContactCenter-prod');
    expect(prod.edge.stackName).toBe('ContactCenterEdge-prod');
    expect(() => stageConfig('production')).toThrow(/Unknown stage/);
    expect(stageConfig(undefined)).toBe(stages.dev);
  });
});

describe('front door: CloudFront with an AWS WAF web ACL', () => {
  it('edge stack (us-east-1): a CLOUDFRONT web ACL with bad inputs, common rules, per-IP public limit', () => {
    expect(prod.edge.region).toBe('us-east-1');
    const acl = prod.edgeTemplate.findResources('AWS::WAFv2::WebACL');
    expect(Object.keys(acl)).toHaveLength(1);
    const props = Object.values(acl)[0]!.Properties as Json;
    expect(props.Scope).toBe('CLOUDFRONT');
    expect(props.Name).toBe(webAclName('prod'));
    expect(props.DefaultAction).toEqual({ Allow: {} });
    const rules = props.Rules as Json[];
    const managed = rules.map((r) => r.Statement.ManagedRuleGroupStatement?.Name).filter(Boolean);
    expect(managed).toEqual(['AWSManagedRulesKnownBadInputsRuleSet', 'AWSManagedRulesCommonRuleSet']);
    const common = rules.find((r) => r.Name === 'CommonRuleSet')!.Statement.ManagedRuleGroupStatement;
    // Signed webhooks (customer text, whole emails) are left to the app; the 8 KB body rule only counts.
    expect(JSON.stringify(common.ScopeDownStatement)).toContain('/webhooks/');
    expect(common.RuleActionOverrides).toEqual([{ Name: 'SizeRestrictions_BODY', ActionToUse: { Count: {} } }]);
    const rate = rules.find((r) => r.Statement.RateBasedStatement)!;
    expect(rate.Action).toEqual({ Block: { CustomResponse: { ResponseCode: 429 } } });
    expect(rate.Statement.RateBasedStatement).toMatchObject({
      AggregateKeyType: 'IP',
      Limit: stages.prod.wafPublicRequestsPer5MinPerIp,
      EvaluationWindowSec: 300,
    });
    const scope = JSON.stringify(rate.Statement.RateBasedStatement.ScopeDownStatement);
    expect(scope).toContain('/public/');
    expect(scope).toContain('/complaint');
  });

  it('logs every WAF decision with the token, cookies and query string (a phone number) redacted', () => {
    prod.edgeTemplate.hasResourceProperties('AWS::Logs::LogGroup', {
      LogGroupName: `aws-waf-logs-${webAclName('prod')}`,
      RetentionInDays: stages.prod.logRetentionDays.edge,
    });
    prod.edgeTemplate.hasResourceProperties('AWS::WAFv2::LoggingConfiguration', {
      RedactedFields: [
        { SingleHeader: { Name: 'authorization' } },
        { SingleHeader: { Name: 'cookie' } },
        { QueryString: {} },
      ],
    });
    prod.edgeTemplate.hasOutput('WebAclArn', {});
  });

  it('the distribution: the web ACL, HTTPS only, TLS 1.2 to the origin, no cache, Host not forwarded, S3 logs', () => {
    prod.template.resourceCountIs('AWS::CloudFront::Distribution', 1);
    const [, distribution] = prod.ofType('AWS::CloudFront::Distribution')[0]!;
    const config = distribution.Properties.DistributionConfig as Json;
    expect(config.WebACLId).toEqual({ Ref: 'EdgeWebAclArn' });
    expect(config.DefaultCacheBehavior).toMatchObject({
      ViewerProtocolPolicy: 'https-only',
      CachePolicyId: '4135ea2d-6df8-44a3-9df3-4b5a84be39ad', // Managed-CachingDisabled
      OriginRequestPolicyId: 'b689b0a8-53d0-40ab-baf2-68738e2966ac', // Managed-AllViewerExceptHostHeader
    });
    expect(config.DefaultCacheBehavior.AllowedMethods).toHaveLength(7);
    const [origin] = config.Origins as Json[];
    expect(origin.CustomOriginConfig).toMatchObject({
      OriginProtocolPolicy: 'https-only',
      OriginSSLProtocols: ['TLSv1.2'],
    });
    expect(JSON.stringify(origin.DomainName)).toContain(prod.logicalId(prod.main.api.httpApi));
    expect(config.Logging.Prefix).toBe('cloudfront/');
    expect(config.Logging.Bucket).toEqual({
      'Fn::GetAtt': [prod.logicalId(prod.main.accessLogs.bucket), 'RegionalDomainName'],
    });
  });

  it('takes the web ACL ARN as a validated parameter', () => {
    prod.template.hasParameter('EdgeWebAclArn', { Type: 'String', AllowedPattern: edgeWebAclArnPattern });
    const pattern = new RegExp(edgeWebAclArnPattern);
    expect(
      pattern.test(
        'arn:aws:wafv2:us-east-1:123456789012:global/webacl/contact-center-prod/a1b2c3d4-5678-90ab-cdef-1234567890ab',
      ),
    ).toBe(true);
    expect(pattern.test('arn:aws:wafv2:eu-west-1:123456789012:regional/webacl/x/a1b2')).toBe(false);
  });

  it('sends the origin-verify secret as a header, from a rotated secret the API reads', () => {
    const [, distribution] = prod.ofType('AWS::CloudFront::Distribution')[0]!;
    const [origin] = distribution.Properties.DistributionConfig.Origins as Json[];
    const header = (origin.OriginCustomHeaders as Json[]).find((h) => h.HeaderName === originVerifyHeader)!;
    const secretId = prod.logicalId(prod.main.frontDoor.originSecret);
    // A dynamic reference resolved at deploy time: the value is never in the template.
    expect(JSON.stringify(header.HeaderValue)).toContain('{{resolve:secretsmanager:');
    expect(JSON.stringify(header.HeaderValue)).toContain(secretId);
    expect(JSON.stringify(header.HeaderValue)).toContain(`:SecretString:${originVerifyJsonKey}`);
    prod.template.hasResourceProperties('AWS::SecretsManager::RotationSchedule', {
      SecretId: { Ref: secretId },
      RotationRules: { ScheduleExpression: `rate(${stages.prod.rotationDays.originVerify} days)` },
    });
    const rotator = prod.resources[prod.logicalId(prod.main.frontDoor.rotation.function)]!;
    expect(rotator.Properties.Environment.Variables).toMatchObject({
      DISTRIBUTION_ID: { Ref: prod.logicalId(prod.main.frontDoor.distribution) },
      ORIGIN_VERIFY_HEADER: originVerifyHeader,
      SECRET_JSON_KEY: originVerifyJsonKey,
    });
    const cloudFront = prod
      .statementsOf(prod.main.frontDoor.rotation.function)
      .filter((s) => actionsOf(s).some((a) => a.startsWith('cloudfront:')));
    expect(cloudFront).toHaveLength(1);
    expect(JSON.stringify(cloudFront[0]!.Resource)).toContain(prod.logicalId(prod.main.frontDoor.distribution));
    // The cursor key rotates too, with a rotator that has no CloudFront rights.
    prod.template.hasResourceProperties('AWS::SecretsManager::RotationSchedule', {
      SecretId: { Ref: prod.logicalId(prod.main.api.cursorSecret) },
    });
    expect(
      prod
        .statementsOf(prod.main.cursorRotation.function)
        .some((s) => actionsOf(s).some((a) => a.startsWith('cloudfront:'))),
    ).toBe(false);
  });
});

describe('HTTP API stage', () => {
  const stageOf = (s: Synthesised) => {
    const stageResources = s.ofType('AWS::ApiGatewayV2::Stage');
    expect(stageResources).toHaveLength(1);
    return stageResources[0]![1].Properties as Json;
  };

  it('throttles every route, public routes tighter, webhooks on their own, the console as staff routes', () => {
    const stage = stageOf(prod);
    const { throttle } = stages.prod;
    expect(stage.StageName).toBe('$default');
    expect(stage.DefaultRouteSettings).toMatchObject({
      ThrottlingRateLimit: throttle.default.rateLimit,
      ThrottlingBurstLimit: throttle.default.burstLimit,
    });
    const staffSettings = {
      ThrottlingRateLimit: throttle.default.rateLimit,
      ThrottlingBurstLimit: throttle.default.burstLimit,
    };
    const publicSettings = {
      ThrottlingRateLimit: throttle.public.rateLimit,
      ThrottlingBurstLimit: throttle.public.burstLimit,
    };
    expect(stage.RouteSettings).toEqual({
      'GET /health': publicSettings,
      'GET /openapi.json': publicSettings,
      'GET /docs': publicSettings,
      'GET /docs/{proxy+}': publicSettings,
      'GET /complaint': publicSettings,
      'GET /complaint/status': publicSettings,
      'POST /complaint/status': publicSettings,
      'ANY /public/{proxy+}': publicSettings,
      'ANY /webhooks/{proxy+}': {
        ThrottlingRateLimit: throttle.webhooks.rateLimit,
        ThrottlingBurstLimit: throttle.webhooks.burstLimit,
      },
      'GET /console': staffSettings,
      'GET /console/{proxy+}': staffSettings,
      'POST /console/{proxy+}': staffSettings,
    });
    expect(throttle.public.rateLimit).toBeLessThan(throttle.default.rateLimit);
    // The planned peak passes every route's throttle with a quarter to spare.
    expect(throttle.default.rateLimit).toBeGreaterThanOrEqual(plannedPeak.staffRequestsPerSecond * 1.25);
    expect(throttle.public.rateLimit).toBeGreaterThanOrEqual(plannedPeak.formComplaintsPerSecond * 1.25);
    expect(throttle.webhooks.rateLimit).toBeGreaterThanOrEqual(plannedPeak.smsPerSecond * 1.25);
    // Route settings name routes by key: the stage waits for them.
    const [stageId] = prod.ofType('AWS::ApiGatewayV2::Stage')[0]!;
    const routeIds = prod.ofType('AWS::ApiGatewayV2::Route').map(([id]) => id);
    for (const routeId of routeIds.filter((id) => !/proxy/.test(id) || /public|webhooks|docs/.test(id))) {
      expect(prod.resources[stageId]!.DependsOn, routeId).toContain(routeId);
    }
  });

  it('JSON access log: request id, route, status, latency, caller id; no token, IP or query string', () => {
    const stage = stageOf(prod);
    const format = JSON.parse(stage.AccessLogSettings.Format as string) as Record<string, string>;
    expect(format).toEqual(accessLogFormat);
    expect(format).toMatchObject({
      requestId: '$context.requestId',
      routeKey: '$context.routeKey',
      status: '$context.status',
      responseLatency: '$context.responseLatency',
      callerId: '$context.authorizer.claims.sub',
    });
    const variables = Object.values(format).join(' ');
    expect(variables).not.toMatch(/sourceIp|userAgent|header|authorization|querystring|identity/i);
    expect(stage.AccessLogSettings.DestinationArn).toEqual({
      'Fn::GetAtt': [prod.logicalId(prod.main.apiStage.accessLogs), 'Arn'],
    });
    prod.template.hasResourceProperties('AWS::Logs::LogGroup', {
      RetentionInDays: stages.prod.logRetentionDays.apiAccess,
    });
  });
});

describe('least privilege per function', () => {
  const tableArn = (s: Synthesised) => ({ 'Fn::GetAtt': [s.logicalId(s.main.data.table), 'Arn'] });
  const dynamoStatements = (s: Synthesised, fn: Parameters<Synthesised['statementsOf']>[0]) =>
    s.statementsOf(fn).filter((st) => actionsOf(st).some((a) => a.startsWith('dynamodb:')));

  it('no function gets grantReadWriteData: no Scan, BatchWriteItem, DescribeTable or stream reads anywhere', () => {
    for (const fn of [
      prod.main.api.handler,
      prod.main.api.console,
      prod.main.api.public,
      prod.main.workers.notifier,
      prod.main.workers.sweeper,
      prod.main.workers.emailInbound,
    ]) {
      const actions = dynamoStatements(prod, fn).flatMap(actionsOf);
      for (const action of [
        'dynamodb:Scan',
        'dynamodb:BatchWriteItem',
        'dynamodb:DescribeTable',
        'dynamodb:GetRecords',
        'dynamodb:*',
      ])
        expect(actions, `${fn.node.path} ${action}`).not.toContain(action);
    }
  });

  it('the notifier reads users, customers and deliveries, updates deliveries, adds history lines and threads', () => {
    const statements = dynamoStatements(prod, prod.main.workers.notifier);
    expect(statements.flatMap(actionsOf).sort()).toEqual([
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
    ]);
    for (const st of statements) {
      expect(st.Resource).toEqual(tableArn(prod)); // no index
      expect(st.Condition).toBeDefined();
    }
    const leadingKeys = (action: string) =>
      statements.find((st) => actionsOf(st).includes(action))!.Condition['ForAllValues:StringLike'][
        'dynamodb:LeadingKeys'
      ];
    expect(leadingKeys('dynamodb:UpdateItem')).toEqual([`${keyPrefixes.notification}*`]);
    expect(leadingKeys('dynamodb:GetItem')).toEqual([
      `${keyPrefixes.user}*`,
      `${keyPrefixes.notification}*`,
      `${keyPrefixes.customer}*`,
    ]);
    // New items only (a case history line, an email thread): the code writes them on attribute_not_exists.
    expect(leadingKeys('dynamodb:PutItem')).toEqual([`${keyPrefixes.case}*`, `${keyPrefixes.emailThread}*`]);
    // Nothing it may update matches a customer or a case key, and nothing it may write is a customer or a user.
    const updatable = statements
      .filter((st) => actionsOf(st).some((a) => /Update|Delete|BatchWrite/.test(a)))
      .flatMap((st) => st.Condition['ForAllValues:StringLike']['dynamodb:LeadingKeys'] as string[]);
    const writable = statements
      .filter((st) => actionsOf(st).some((a) => /Put|Update|Delete|BatchWrite/.test(a)))
      .flatMap((st) => st.Condition['ForAllValues:StringLike']['dynamodb:LeadingKeys'] as string[]);
    const matches = (pattern: string, key: string) => new RegExp(`^${pattern.replace('*', '.*')}$`).test(key);
    for (const pattern of updatable) expect(matches(pattern, 'CASE#C-2026-000001'), pattern).toBe(false);
    for (const pattern of writable) {
      expect(matches(pattern, 'CUST#c-1'), pattern).toBe(false);
      expect(matches(pattern, 'USER#mgr-1'), pattern).toBe(false);
    }
    expect(statements.flatMap(actionsOf)).not.toContain('dynamodb:DeleteItem');
  });

  it('index ARNs only where a function queries them, by name (never index/*)', () => {
    const indexArnsOf = (fn: Parameters<Synthesised['statementsOf']>[0]) =>
      dynamoStatements(prod, fn)
        .flatMap((st) => asArray(st.Resource))
        .filter((r) => JSON.stringify(r).includes('/index/'))
        .map((r) => JSON.stringify(r).match(/\/index\/([^"]+)"/)![1]);
    expect(indexArnsOf(prod.main.api.handler).sort()).toEqual(tableDefinition.indexes.map((i) => i.name).sort());
    expect(indexArnsOf(prod.main.api.console).sort()).toEqual(tableDefinition.indexes.map((i) => i.name).sort());
    expect(indexArnsOf(prod.main.workers.notifier)).toEqual([]);
    expect(indexArnsOf(prod.main.workers.sweeper).sort()).toEqual(['gsi1', 'gsi3']);
    expect(indexArnsOf(prod.main.workers.emailInbound)).toEqual(['gsi1']);
    expect(JSON.stringify(prod.template.toJSON())).not.toContain('/index/*');
  });

  it('every function has its own role, writing only its own log group; no AWS managed policy', () => {
    for (const [, role] of prod.ofType('AWS::IAM::Role')) expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    const functions = prod.ofType('AWS::Lambda::Function');
    const roles = new Set(functions.map(([, f]) => f.Properties.Role['Fn::GetAtt'][0]));
    expect(roles.size).toBe(functions.length);
  });
});

describe('concurrency', () => {
  it('workers have reserved concurrency (the API keeps the unreserved pool); the SQS poller stays within it', () => {
    const { reservedConcurrency } = stages.prod;
    const reserved = (fn: Parameters<Synthesised['logicalId']>[0]) =>
      prod.resources[prod.logicalId(fn)]!.Properties.ReservedConcurrentExecutions;
    expect(reserved(prod.main.workers.notifier)).toBe(reservedConcurrency.notifier);
    expect(reserved(prod.main.workers.sweeper)).toBe(1);
    expect(reserved(prod.main.workers.emailInbound)).toBe(reservedConcurrency.emailInbound);
    expect(reserved(prod.main.api.handler)).toBeUndefined();
    expect(reserved(prod.main.api.console)).toBeUndefined();
    // The public edge is capped: a flood on the anonymous routes is throttled there, not in the staff's pool.
    expect(reserved(prod.main.api.public)).toBe(reservedConcurrency.publicEdge);
    const [, mapping] = prod.ofType('AWS::Lambda::EventSourceMapping')[0]!;
    expect(mapping.Properties.ScalingConfig.MaximumConcurrency).toBeLessThanOrEqual(reservedConcurrency.notifier);
    expect(mapping.Properties.ScalingConfig.MaximumConcurrency).toBeGreaterThanOrEqual(2);
    // Of a default account limit of 1,000, what the workers and the public edge reserve leaves the staff API its
    // peak with room to spare (~95 at the planned peak, a tail of ~200: docs/scale.md).
    const total = Object.values(reservedConcurrency).reduce((a, b) => a + b, 0);
    expect(1000 - total).toBeGreaterThanOrEqual(700);
  });

  it('a sweep that cannot start within a minute is dropped, not queued behind the next one', () => {
    prod.template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: prod.logicalId(prod.main.workers.sweeper) },
      MaximumEventAgeInSeconds: 60,
      MaximumRetryAttempts: 0,
    });
  });

  it('every function is traced with X-Ray', () => {
    for (const [id, fn] of prod.ofType('AWS::Lambda::Function'))
      expect(fn.Properties.TracingConfig, id).toEqual({ Mode: 'Active' });
  });
});

describe('alarms, on-call topic and dashboard', () => {
  const alarms = (s: Synthesised) => s.ofType('AWS::CloudWatch::Alarm').map(([, a]) => a.Properties as Json);
  const alarmNamed = (s: Synthesised, suffix: string) => {
    const found = alarms(s).find((a) => a.AlarmName === `ContactCenter-${s.stage.stage}-${suffix}`);
    expect(found, suffix).toBeDefined();
    return found!;
  };

  it('an encrypted, TLS-only SNS topic receives every alarm and its recovery', () => {
    prod.template.resourceCountIs('AWS::SNS::Topic', 1);
    const [topicId, topic] = prod.ofType('AWS::SNS::Topic')[0]!;
    expect(topic.Properties.KmsMasterKeyId).toBeDefined();
    prod.template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    for (const alarm of alarms(prod)) {
      expect(alarm.AlarmActions, alarm.AlarmName).toEqual([{ Ref: topicId }]);
      expect(alarm.OKActions, alarm.AlarmName).toEqual([{ Ref: topicId }]);
    }
  });

  it('API 5xx ratio and p99 latency', () => {
    const ratio = alarmNamed(prod, 'Api5xxRatio');
    expect(ratio.Threshold).toBe(stages.prod.alarms.api5xxPercent);
    const expression = (ratio.Metrics as Json[]).find((m) => m.Expression)!.Expression as string;
    expect(expression).toContain('100 * errors / requests');
    expect(
      (ratio.Metrics as Json[])
        .map((m) => m.MetricStat?.Metric.MetricName)
        .filter(Boolean)
        .sort(),
    ).toEqual(['5xx', 'Count']);
    const latency = alarmNamed(prod, 'ApiP99Latency');
    expect(latency).toMatchObject({
      MetricName: 'Latency',
      ExtendedStatistic: 'p99',
      Threshold: stages.prod.alarms.apiP99LatencyMs,
    });
  });

  it('Lambda errors and throttles for every function', () => {
    for (const name of ['Api', 'Notifier', 'Sweeper', 'EmailInbound', 'OriginVerifyRotation', 'CursorRotation']) {
      expect(alarmNamed(prod, `${name}Errors`)).toMatchObject({ Namespace: 'AWS/Lambda', MetricName: 'Errors' });
      expect(alarmNamed(prod, `${name}Throttles`)).toMatchObject({ Namespace: 'AWS/Lambda', MetricName: 'Throttles' });
    }
  });

  it('DynamoDB throttles across the table and every index', () => {
    const alarm = alarmNamed(prod, 'DynamoDbThrottles');
    const metrics = (alarm.Metrics as Json[]).filter((m) => m.MetricStat).map((m) => m.MetricStat.Metric);
    expect(metrics).toHaveLength(2 * (1 + tableDefinition.indexes.length));
    expect(new Set(metrics.map((m) => m.MetricName))).toEqual(new Set(['ReadThrottleEvents', 'WriteThrottleEvents']));
    const indexes = metrics.flatMap((m) =>
      (m.Dimensions as Json[]).filter((d) => d.Name === 'GlobalSecondaryIndexName').map((d) => d.Value),
    );
    expect(new Set(indexes)).toEqual(new Set(tableDefinition.indexes.map((i) => i.name)));
  });

  it('SQS oldest message age and DLQ depth', () => {
    expect(alarmNamed(prod, 'NotificationsOldestMessage')).toMatchObject({
      MetricName: 'ApproximateAgeOfOldestMessage',
      Threshold: stages.prod.alarms.queueOldestAgeSeconds,
    });
    const dlq = alarms(prod).find((a) => a.MetricName === 'ApproximateNumberOfMessagesVisible')!;
    expect(dlq.Dimensions).toEqual([
      {
        Name: 'QueueName',
        Value: { 'Fn::GetAtt': [prod.logicalId(prod.main.messaging.notificationsDlq), 'QueueName'] },
      },
    ]);
    expect(dlq.Threshold).toBe(stages.prod.alarms.dlqDepth);
  });

  it('SMS refused while the webhook is closed: the first one pages', () => {
    expect(alarmNamed(prod, 'SmsWebhookClosed')).toMatchObject({
      Namespace: metricNamespace,
      MetricName: metricNames.smsRefusedWebhookClosed,
      Dimensions: [{ Name: 'Stage', Value: 'prod' }],
      Statistic: 'Sum',
      Period: 300,
      Threshold: 1,
      TreatMissingData: 'notBreaching',
    });
  });

  it('a stream consumer gets an IteratorAge alarm from one registration', () => {
    const before = prod.main.monitoring.alarms.length;
    prod.main.monitoring.watchFunction('ProbeConsumer', prod.main.workers.sweeper, { streamConsumer: true });
    const added = prod.main.monitoring.alarms.slice(before).map((a) => a.node.id);
    expect(added).toEqual(['ProbeConsumerErrors', 'ProbeConsumerThrottles', 'ProbeConsumerIteratorAge']);
  });

  it('the dashboard: alarms, API, DynamoDB, queue, each function, the edge, business metrics', () => {
    const [, dashboard] = dev.ofType('AWS::CloudWatch::Dashboard')[0]!;
    // The body is a JSON text joined around CloudFormation references; put the references in as JSON.
    const body = (dashboard.Properties.DashboardBody['Fn::Join'][1] as unknown[])
      .map((part) => (typeof part === 'string' ? part : JSON.stringify(part)))
      .join('');
    expect(dashboard.Properties.DashboardName).toBe('ContactCenter-dev');
    for (const fragment of [
      '"type":"alarm"',
      'AWS/ApiGateway',
      'AWS/DynamoDB',
      'ApproximateAgeOfOldestMessage',
      'AWS/WAFV2',
      'AWS/CloudFront',
      metricNamespace,
    ])
      expect(body, fragment).toContain(fragment);
    for (const name of Object.values(metricNames)) expect(body, name).toContain(name);
    // Every alarm of the stack is on the alarm status widget.
    for (const [id] of dev.ofType('AWS::CloudWatch::Alarm')) expect(body, id).toContain(id);
  });

  it('prod alarms are stricter than dev', () => {
    for (const key of Object.keys(stages.prod.alarms) as Array<keyof typeof stages.prod.alarms>)
      expect(stages.prod.alarms[key], key).toBeLessThanOrEqual(stages.dev.alarms[key]);
    expect(alarmNamed(prod, 'Api5xxRatio').Threshold).toBeLessThan(alarmNamed(dev, 'Api5xxRatio').Threshold);
  });
});

describe('prod keeps its data', () => {
  it('deletion protection, PITR and Retain on the table, the user pool, keys and logs; dev can be torn down', () => {
    prod.template.hasResource('AWS::DynamoDB::GlobalTable', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: {
        StreamSpecification: { StreamViewType: 'NEW_AND_OLD_IMAGES' },
        Replicas: [
          Match.objectLike({
            DeletionProtectionEnabled: true,
            PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
          }),
        ],
      },
    });
    prod.template.hasResource('AWS::Cognito::UserPool', {
      DeletionPolicy: 'Retain',
      Properties: { DeletionProtection: 'ACTIVE' },
    });
    dev.template.hasResource('AWS::Cognito::UserPool', { DeletionPolicy: 'Delete' });
    // Buckets hold customer mail and audit logs: retained in every stage.
    for (const s of [dev, prod])
      for (const [id, r] of s.ofType('AWS::S3::Bucket')) expect(r.DeletionPolicy, id).toBe('Retain');
    for (const type of ['AWS::Logs::LogGroup', 'AWS::KMS::Key']) {
      for (const [id, r] of prod.ofType(type)) expect(r.DeletionPolicy, id).toBe('Retain');
      for (const [id, r] of dev.ofType(type)) expect(r.DeletionPolicy, id).toBe('Delete');
    }
  });

  it('staff sign in with a second factor, and Cognito threat protection is enforced', () => {
    prod.template.hasResourceProperties('AWS::Cognito::UserPool', {
      MfaConfiguration: 'ON',
      EnabledMfas: ['SOFTWARE_TOKEN_MFA'],
      UserPoolTier: 'PLUS',
      UserPoolAddOns: { AdvancedSecurityMode: 'ENFORCED' },
    });
  });

  it('keeps function logs and access logs 13 months in prod, a month in dev', () => {
    const retention = (s: Synthesised) =>
      new Set(s.ofType('AWS::Logs::LogGroup').map(([, g]) => g.Properties.RetentionInDays));
    expect(retention(prod)).toEqual(new Set([400]));
    expect(retention(dev)).toEqual(new Set([30]));
  });
});
