import { CfnOutput, CfnParameter, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { tableDefinition } from '@cc/store/keys';
import { AccessLogs } from './constructs/access-logs';
import { Archive } from './constructs/archive';
import { Api } from './constructs/api';
import { ApiStage } from './constructs/api-stage';
import { Auth } from './constructs/auth';
import { Data } from './constructs/data';
import { webAclName } from './constructs/edge-web-acl';
import { FrontDoor, originVerifyHeader } from './constructs/front-door';
import { GivenUpAlarm } from './constructs/given-up-alarm';
import { Messaging } from './constructs/messaging';
import { Monitoring } from './constructs/monitoring';
import { Reporter } from './constructs/reporter';
import { SecretRotation } from './constructs/secret-rotation';
import { Workers, type CustomerMessageProviders } from './constructs/workers';
import { stageConfig, timeouts, type StageConfig } from './ops-config';

export interface ContactCenterStackProps extends StackProps {
  /** dev, staging or prod settings (ops-config.ts). Default: dev. */
  stage?: StageConfig;
  /** How long contacts and raw mail are kept (RETENTION_DAYS, S3 lifecycle). Default 395 (13 months). */
  retentionDays?: number;
  /** SES recipients for the inbound rule; default: all verified domains of the account. */
  inboundRecipients?: string[];
  /** Subscribed to the on-call topic (it must confirm). */
  alarmEmail?: string;
  /** A custom domain for the distribution, with its ACM certificate (us-east-1). */
  domain?: { names: string[]; certificateArn: string };
  /** Changed to make the API pick up new secret values (see Api). */
  secretsRevision?: string;
  /** Providers for messages to customers (Twilio account and sender, SES sender); without them they are logged. */
  customerMessaging?: Omit<CustomerMessageProviders, 'channelSecrets'>;
}

/** AWS WAF names CLOUDFRONT-scope web ACLs arn:aws:wafv2:us-east-1:<account>:global/webacl/<name>/<id>. */
export const edgeWebAclArnPattern =
  '^arn:aws[a-z-]*:wafv2:us-east-1:[0-9]{12}:global/webacl/[A-Za-z0-9_-]+/[a-f0-9-]+$';

export class ContactCenterStack extends Stack {
  readonly stage: StageConfig;
  readonly data: Data;
  readonly messaging: Messaging;
  readonly auth: Auth;
  readonly api: Api;
  readonly apiStage: ApiStage;
  readonly accessLogs: AccessLogs;
  readonly frontDoor: FrontDoor;
  readonly workers: Workers;
  readonly archive: Archive;
  readonly reporter: Reporter;
  readonly cursorRotation: SecretRotation;
  readonly givenUp: GivenUpAlarm;
  readonly monitoring: Monitoring;

  constructor(scope: Construct, id: string, props: ContactCenterStackProps = {}) {
    super(scope, id, props);
    const stage = (this.stage = props.stage ?? stageConfig(undefined));
    const retentionDays = props.retentionDays ?? 395;

    // The web ACL is created by EdgeStack in us-east-1 (WAF's rule for CloudFront); its ARN comes in here.
    const edgeWebAclArn = new CfnParameter(this, 'EdgeWebAclArn', {
      type: 'String',
      description: 'ARN of the CLOUDFRONT web ACL: the WebAclArn output of the edge stack (us-east-1).',
      allowedPattern: edgeWebAclArnPattern,
      constraintDescription: 'a CLOUDFRONT-scope AWS WAF web ACL ARN in us-east-1 (output WebAclArn of the edge stack)',
    });

    this.data = new Data(this, 'Data', { stage });
    this.messaging = new Messaging(this, 'Messaging', { consumerTimeoutSeconds: timeouts.notifier, stage });
    this.auth = new Auth(this, 'Auth', { stage });
    this.accessLogs = new AccessLogs(this, 'AccessLogs', { stage });
    this.workers = new Workers(this, 'Workers', {
      table: this.data.table,
      notifications: this.messaging.notifications,
      retentionDays,
      stage,
      accessLogs: this.accessLogs.bucket,
      inboundRecipients: props.inboundRecipients,
    });
    this.archive = new Archive(this, 'Archive', {
      tableName: this.data.table.tableName,
      accessLogs: this.accessLogs.bucket,
    });
    this.reporter = new Reporter(this, 'Reporter', {
      table: this.data.table,
      archive: this.archive.bucket,
      retentionDays,
      stage,
    });
    this.api = new Api(this, 'Api', {
      table: this.data.table,
      notifications: this.messaging.notifications,
      auth: this.auth,
      retentionDays,
      stage,
      secretsRevision: props.secretsRevision,
    });
    this.workers.sendCustomerMessages({ channelSecrets: this.api.channelSecrets, ...props.customerMessaging });
    this.apiStage = new ApiStage(this, 'ApiStage', {
      httpApi: this.api.httpApi,
      stage,
      publicRoutes: this.api.publicRoutes,
    });
    this.frontDoor = new FrontDoor(this, 'FrontDoor', {
      httpApi: this.api.httpApi,
      stage,
      webAclArn: edgeWebAclArn.valueAsString,
      logBucket: this.accessLogs.bucket,
      domain: props.domain,
    });
    this.auth.serveConsoleAt(this.frontDoor.url);
    this.api.useFrontDoor({
      url: this.frontDoor.url,
      originSecret: this.frontDoor.originSecret,
      headerName: originVerifyHeader,
    });
    this.cursorRotation = new SecretRotation(this, 'CursorRotation', {
      secret: this.api.cursorSecret,
      jsonKey: 'cursorSecret',
      length: 64,
      rotateAfter: Duration.days(stage.rotationDays.cursor),
      stage,
    });

    // Every function, by the name its alarms and dashboard row carry. A new function is one line here
    // (a DynamoDB stream consumer adds { streamConsumer: true } for its IteratorAge alarm).
    const functions = {
      Api: this.api.handler,
      Console: this.api.console,
      Public: this.api.public,
      Notifier: this.workers.notifier,
      Sweeper: this.workers.sweeper,
      EmailInbound: this.workers.emailInbound,
      Reporter: [this.reporter.function, { streamConsumer: true }],
      OriginVerifyRotation: this.frontDoor.rotation.function,
      CursorRotation: this.cursorRotation.function,
    } as const;
    this.givenUp = new GivenUpAlarm(this, 'GivenUp', {
      functions: [
        this.api.handler,
        this.api.console,
        this.api.public,
        this.workers.notifier,
        this.workers.sweeper,
        this.workers.emailInbound,
      ],
    });

    this.monitoring = new Monitoring(this, 'Monitoring', { stage, alarmEmail: props.alarmEmail });
    this.monitoring.watchEdge({ distribution: this.frontDoor.distribution, webAclName: webAclName(stage.stage) });
    this.monitoring.watchApi(this.api.httpApi);
    this.monitoring.watchTable(
      this.data.table,
      tableDefinition.indexes.map((index) => index.name),
    );
    this.monitoring.watchQueue({
      name: 'Notifications',
      queue: this.messaging.notifications,
      dlq: this.messaging.notificationsDlq,
      dlqAlarm: this.messaging.dlqAlarm,
    });
    for (const [name, entry] of Object.entries(functions)) {
      const [fn, options] = Array.isArray(entry) ? entry : [entry, {}];
      this.monitoring.watchFunction(name, fn, options);
    }
    this.monitoring.watchBusiness(this.givenUp.alarm);
    this.monitoring.adopt(this.reporter.dlqAlarm);

    new CfnOutput(this, 'ApiUrl', {
      value: this.frontDoor.url,
      description: 'The public entry point (CloudFront): clients, Twilio and the email provider use this.',
    });
    new CfnOutput(this, 'OriginUrl', {
      value: this.api.httpApi.apiEndpoint,
      description: 'The API Gateway origin; it refuses requests that did not come through CloudFront.',
    });
    new CfnOutput(this, 'TableName', { value: this.data.table.tableName });
    new CfnOutput(this, 'QueueUrl', { value: this.messaging.notifications.queueUrl });
    new CfnOutput(this, 'ArchiveBucket', { value: this.archive.bucket.bucketName });
    new CfnOutput(this, 'ArchiveWorkGroup', { value: this.archive.workGroup.ref });
    new CfnOutput(this, 'UserPoolId', { value: this.auth.userPool.userPoolId });
    new CfnOutput(this, 'UserPoolClientId', { value: this.auth.client.userPoolClientId });
    new CfnOutput(this, 'AlarmTopicArn', { value: this.monitoring.topic.topicArn });
    new CfnOutput(this, 'DashboardName', { value: this.monitoring.dashboard.dashboardName });
  }
}
