import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import {
  Alarm,
  AlarmStatusWidget,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  MathExpression,
  Metric,
  TextWidget,
  TreatMissingData,
  type IMetric,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { IDistribution } from 'aws-cdk-lib/aws-cloudfront';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { metricDimensions, metricNames, metricNamespace } from '@cc/core/metrics';
import type { AlarmThresholds, StageConfig } from '../ops-config';
import { GIVEN_UP_METRIC } from './given-up-alarm';

export interface MonitoringProps {
  stage: StageConfig;
  /** Subscribed to the on-call topic when given (`-c alarmEmail=...`); it must confirm the subscription. */
  alarmEmail?: string;
}

interface AlarmSpec {
  metric: IMetric;
  threshold: number;
  description: string;
  /** Periods looked at, and how many of them must breach (default: all). */
  evaluationPeriods: number;
  datapointsToAlarm?: number;
  comparison?: ComparisonOperator;
}

const minute = Duration.minutes(1);
const fiveMinutes = Duration.minutes(5);

/**
 * The on-call topic, the dashboard and every alarm. Each `watch...` method adds one part of the system:
 * its alarms (thresholds from ops-config.ts, actions to the topic) and its dashboard row. A new function is
 * one `watchFunction` call; a DynamoDB stream consumer passes `{ streamConsumer: true }` for IteratorAge.
 */
export class Monitoring extends Construct {
  readonly topic: Topic;
  readonly dashboard: Dashboard;
  /** Every alarm with the topic as its action, in the order they were added. */
  readonly alarms: Alarm[] = [];
  private readonly thresholds: AlarmThresholds;
  private readonly stageName: string;

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    this.thresholds = props.stage.alarms;
    this.stageName = props.stage.stage;

    // A customer-managed key: CloudWatch can publish to an encrypted topic only if the key policy lets it.
    const key = new Key(this, 'OnCallKey', {
      description: 'Encrypts the on-call alarm topic',
      enableKeyRotation: true,
      removalPolicy: props.stage.protectData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    key.grant(new ServicePrincipal('cloudwatch.amazonaws.com'), 'kms:Decrypt', 'kms:GenerateDataKey*');
    this.topic = new Topic(this, 'OnCall', {
      displayName: `Contact center alarms (${this.stageName})`,
      masterKey: key,
      enforceSSL: true,
    });
    if (props.alarmEmail) this.topic.addSubscription(new EmailSubscription(props.alarmEmail));

    this.dashboard = new Dashboard(this, 'Dashboard', {
      dashboardName: `ContactCenter-${this.stageName}`,
      defaultInterval: Duration.hours(3),
    });
    // The widget reads `this.alarms` when the dashboard is rendered at synthesis, so it lists every alarm
    // added by the watch methods below, whatever their order.
    this.dashboard.addWidgets(
      new TextWidget({
        markdown: `# Contact center (${this.stageName})\nEach alarm and what to do: docs/operations.md, "Alarms".`,
        width: 24,
        height: 2,
      }),
      new AlarmStatusWidget({ title: 'Alarms', alarms: this.alarms, width: 24, height: 4 }),
    );
  }

  /** An alarm on `spec`, notifying the on-call topic on ALARM and on OK. */
  alarm(id: string, spec: AlarmSpec): Alarm {
    const alarm = new Alarm(this, id, {
      alarmName: `ContactCenter-${this.stageName}-${id}`,
      alarmDescription: spec.description,
      metric: spec.metric,
      threshold: spec.threshold,
      evaluationPeriods: spec.evaluationPeriods,
      datapointsToAlarm: spec.datapointsToAlarm,
      comparisonOperator: spec.comparison ?? ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    return this.adopt(alarm);
  }

  /** Sends an alarm made elsewhere (DLQ, work given up) to the on-call topic and lists it on the dashboard. */
  adopt(alarm: Alarm): Alarm {
    alarm.addAlarmAction(new SnsAction(this.topic));
    alarm.addOkAction(new SnsAction(this.topic));
    this.alarms.push(alarm);
    return alarm;
  }

  private section(title: string, text: string): void {
    this.dashboard.addWidgets(new TextWidget({ markdown: `## ${title}\n${text}`, width: 24, height: 1 }));
  }

  watchEdge(props: { distribution: IDistribution; webAclName: string }): void {
    // CloudFront and CLOUDFRONT-scope WAF metrics are published in us-east-1 only.
    const edge = { region: 'us-east-1', period: fiveMinutes, statistic: 'Sum' };
    const waf = (metricName: string, rule = 'ALL') =>
      new Metric({
        namespace: 'AWS/WAFV2',
        metricName,
        dimensionsMap: { WebACL: props.webAclName, Rule: rule },
        ...edge,
      });
    const cloudFront = (metricName: string, statistic = 'Sum') =>
      new Metric({
        namespace: 'AWS/CloudFront',
        metricName,
        dimensionsMap: { DistributionId: props.distribution.distributionId, Region: 'Global' },
        ...edge,
        statistic,
      });
    this.section('Front door', 'CloudFront and the WAF web ACL (us-east-1). Blocked requests by rule.');
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'WAF allowed / blocked',
        left: [waf('AllowedRequests'), waf('BlockedRequests')],
        width: 8,
      }),
      new GraphWidget({
        title: 'WAF blocked by rule',
        left: ['KnownBadInputs', 'CommonRuleSet', 'PublicRoutesRatePerIp'].map((rule) =>
          waf('BlockedRequests', rule).with({ label: rule }),
        ),
        width: 8,
      }),
      new GraphWidget({
        title: 'CloudFront requests and error rates (%)',
        left: [cloudFront('Requests')],
        right: [cloudFront('4xxErrorRate', 'Average'), cloudFront('5xxErrorRate', 'Average')],
        width: 8,
      }),
    );
  }

  watchApi(httpApi: HttpApi): void {
    const t = this.thresholds;
    const requests = httpApi.metricCount({ period: minute, statistic: 'Sum' });
    const serverErrors = httpApi.metricServerError({ period: minute, statistic: 'Sum' });
    const clientErrors = httpApi.metricClientError({ period: minute, statistic: 'Sum' });
    const ratio = new MathExpression({
      expression: 'IF(requests > 0, 100 * errors / requests, 0)',
      usingMetrics: { requests, errors: serverErrors },
      period: minute,
      label: '5xx % of requests',
    });
    this.alarm('Api5xxRatio', {
      metric: ratio,
      threshold: t.api5xxPercent,
      comparison: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 5,
      datapointsToAlarm: 3,
      description: `More than ${t.api5xxPercent}% of API requests answered 5xx in 3 of the last 5 minutes.`,
    });
    const latency = (statistic: string) =>
      httpApi.metricLatency({ period: minute, statistic }).with({ label: `latency ${statistic}` });
    this.alarm('ApiP99Latency', {
      metric: httpApi.metricLatency({ period: minute, statistic: 'p99' }),
      threshold: t.apiP99LatencyMs,
      comparison: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 5,
      datapointsToAlarm: 3,
      description: `API p99 latency above ${t.apiP99LatencyMs} ms in 3 of the last 5 minutes (deadline: 5 s).`,
    });
    this.section('HTTP API', 'Requests, error share and latency at API Gateway (after CloudFront).');
    this.dashboard.addWidgets(
      new GraphWidget({ title: 'Requests, 4xx, 5xx', left: [requests, clientErrors, serverErrors], width: 8 }),
      new GraphWidget({
        title: '5xx share (%)',
        left: [ratio],
        leftAnnotations: [{ value: t.api5xxPercent }],
        width: 8,
      }),
      new GraphWidget({
        title: 'Latency (ms)',
        left: [latency('p50'), latency('p90'), latency('p99')],
        leftAnnotations: [{ value: t.apiP99LatencyMs, label: 'p99 alarm' }],
        width: 8,
      }),
    );
  }

  /** Errors and throttles alarms and a dashboard row for one function; IteratorAge for stream consumers. */
  watchFunction(name: string, fn: LambdaFunction, options: { streamConsumer?: boolean } = {}): void {
    const t = this.thresholds;
    const errors = fn.metricErrors({ period: fiveMinutes, statistic: 'Sum' });
    const throttles = fn.metricThrottles({ period: fiveMinutes, statistic: 'Sum' });
    this.alarm(`${name}Errors`, {
      metric: errors,
      threshold: t.lambdaErrors,
      evaluationPeriods: 1,
      description: `${name}: ${t.lambdaErrors}+ invocation errors (unhandled exceptions, timeouts) in 5 minutes.`,
    });
    this.alarm(`${name}Throttles`, {
      metric: throttles,
      threshold: t.lambdaThrottles,
      evaluationPeriods: 1,
      description: `${name}: ${t.lambdaThrottles}+ throttled invocations in 5 minutes (concurrency exhausted).`,
    });
    const widgets = [
      new GraphWidget({
        title: `${name}: invocations, errors, throttles`,
        left: [fn.metricInvocations({ period: fiveMinutes, statistic: 'Sum' }), errors, throttles],
        width: 8,
      }),
      new GraphWidget({
        title: `${name}: duration (ms)`,
        left: ['p50', 'p99', 'Maximum'].map((statistic) => fn.metricDuration({ period: fiveMinutes, statistic })),
        leftAnnotations: fn.timeout ? [{ value: fn.timeout.toMilliseconds(), label: 'timeout' }] : [],
        width: 8,
      }),
      new GraphWidget({
        title: `${name}: concurrent executions`,
        left: [fn.metric('ConcurrentExecutions', { period: minute, statistic: 'Maximum' })],
        width: 8,
      }),
    ];
    if (options.streamConsumer) {
      const iteratorAge = fn.metric('IteratorAge', { period: minute, statistic: 'Maximum' });
      this.alarm(`${name}IteratorAge`, {
        metric: iteratorAge,
        threshold: t.streamIteratorAgeMs,
        evaluationPeriods: 3,
        description: `${name}: the oldest stream record waited over ${t.streamIteratorAgeMs} ms for 3 minutes.`,
      });
      widgets.push(new GraphWidget({ title: `${name}: iterator age (ms)`, left: [iteratorAge], width: 8 }));
    }
    this.section(`Function: ${name}`, `Lambda ${fn.node.path}`);
    this.dashboard.addWidgets(...widgets);
  }

  watchQueue(props: { name: string; queue: IQueue; dlq: IQueue; dlqAlarm: Alarm }): void {
    const t = this.thresholds;
    const oldest = props.queue.metricApproximateAgeOfOldestMessage({ period: minute, statistic: 'Maximum' });
    this.alarm(`${props.name}OldestMessage`, {
      metric: oldest,
      threshold: t.queueOldestAgeSeconds,
      evaluationPeriods: 3,
      description: `${props.name}: a message has waited over ${t.queueOldestAgeSeconds} s for 3 minutes.`,
    });
    this.adopt(props.dlqAlarm);
    this.section(`Queue: ${props.name}`, 'Backlog, age of the oldest message, dead-letter queue.');
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'Visible / in flight',
        left: [
          props.queue.metricApproximateNumberOfMessagesVisible({ period: minute, statistic: 'Maximum' }),
          props.queue.metricApproximateNumberOfMessagesNotVisible({ period: minute, statistic: 'Maximum' }),
        ],
        width: 8,
      }),
      new GraphWidget({
        title: 'Oldest message (s)',
        left: [oldest],
        leftAnnotations: [{ value: t.queueOldestAgeSeconds }],
        width: 8,
      }),
      new GraphWidget({
        title: 'Dead-letter queue',
        left: [props.dlq.metricApproximateNumberOfMessagesVisible({ period: minute, statistic: 'Maximum' })],
        width: 8,
      }),
    );
  }

  /** Read and write throttle events of the table and each index, summed into one alarm. */
  watchTable(table: ITableV2, indexNames: readonly string[]): void {
    const t = this.thresholds;
    const dynamo = (metricName: string, index?: string, statistic = 'Sum') =>
      new Metric({
        namespace: 'AWS/DynamoDB',
        metricName,
        dimensionsMap: { TableName: table.tableName, ...(index && { GlobalSecondaryIndexName: index }) },
        period: fiveMinutes,
        statistic,
      });
    const throttleMetrics: Record<string, IMetric> = {};
    [undefined, ...indexNames].forEach((index, i) => {
      throttleMetrics[`r${i}`] = dynamo('ReadThrottleEvents', index);
      throttleMetrics[`w${i}`] = dynamo('WriteThrottleEvents', index);
    });
    const throttles = new MathExpression({
      expression: Object.keys(throttleMetrics)
        .map((k) => `FILL(${k}, 0)`)
        .join(' + '),
      usingMetrics: throttleMetrics,
      period: fiveMinutes,
      label: 'throttle events (table + indexes)',
    });
    this.alarm('DynamoDbThrottles', {
      metric: throttles,
      threshold: t.dynamoThrottles,
      evaluationPeriods: 1,
      description: `${t.dynamoThrottles}+ DynamoDB read/write throttle events (table and indexes) in 5 minutes.`,
    });
    const latency = (operation: string) =>
      new Metric({
        namespace: 'AWS/DynamoDB',
        metricName: 'SuccessfulRequestLatency',
        dimensionsMap: { TableName: table.tableName, Operation: operation },
        period: fiveMinutes,
        statistic: 'p99',
        label: `${operation} p99`,
      });
    this.section('DynamoDB', 'Capacity consumed (on demand), throttles, request latency.');
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'Consumed capacity units',
        left: [dynamo('ConsumedReadCapacityUnits'), dynamo('ConsumedWriteCapacityUnits')],
        width: 8,
      }),
      new GraphWidget({ title: 'Throttles and system errors', left: [throttles, dynamo('SystemErrors')], width: 8 }),
      new GraphWidget({
        title: 'Latency p99 (ms)',
        left: ['GetItem', 'Query', 'UpdateItem', 'TransactWriteItems'].map(latency),
        width: 8,
      }),
    );
  }

  /** The app's EMF metrics (packages/core/src/metrics.ts) and the work-given-up count. */
  watchBusiness(givenUpAlarm: Alarm): void {
    const business = (name: string) =>
      new Metric({
        namespace: metricNamespace,
        metricName: name,
        dimensionsMap: { [metricDimensions.stage]: this.stageName },
        period: Duration.hours(1),
        statistic: 'Sum',
      });
    this.adopt(givenUpAlarm);
    this.alarm('SmsWebhookClosed', {
      description:
        'Inbound SMS are being refused: the SMS webhook is closed because the Twilio auth token is not set ' +
        '(docs/operations.md, "Rotating").',
      metric: business(metricNames.smsRefusedWebhookClosed).with({ period: fiveMinutes }),
      threshold: 1,
      evaluationPeriods: 1,
    });
    this.section('Business', 'Emitted by the app (Embedded Metric Format), per hour.');
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'Cases opened, SLA breaches',
        left: [business(metricNames.casesOpened)],
        right: [business(metricNames.slaBreaches)],
        width: 8,
      }),
      new GraphWidget({
        title: 'Notifications delivered / given up',
        left: [business(metricNames.notificationsDelivered)],
        right: [
          business(metricNames.notificationsGivenUp),
          new Metric({
            namespace: GIVEN_UP_METRIC.namespace,
            metricName: GIVEN_UP_METRIC.name,
            period: Duration.hours(1),
            statistic: 'Sum',
            label: 'work given up (all kinds)',
          }),
        ],
        width: 8,
      }),
      new GraphWidget({
        title: 'Contacts held back (contact guard); SMS refused (webhook closed)',
        left: [business(metricNames.contactGuardBlocks)],
        right: [business(metricNames.smsRefusedWebhookClosed)],
        width: 8,
      }),
    );
  }
}
