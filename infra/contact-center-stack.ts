import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { Api } from './constructs/api';
import { Auth } from './constructs/auth';
import { Data } from './constructs/data';
import { GivenUpAlarm } from './constructs/given-up-alarm';
import { Messaging } from './constructs/messaging';
import { Workers } from './constructs/workers';

export interface ContactCenterStackProps extends StackProps {
  /** How long contacts and raw mail are kept (RETENTION_DAYS, S3 lifecycle). Default 395 (13 months). */
  retentionDays?: number;
  /** SES recipients for the inbound rule; default: all verified domains of the account. */
  inboundRecipients?: string[];
}

export class ContactCenterStack extends Stack {
  readonly data: Data;
  readonly messaging: Messaging;
  readonly auth: Auth;
  readonly api: Api;
  readonly workers: Workers;
  readonly givenUp: GivenUpAlarm;

  constructor(scope: Construct, id: string, props: ContactCenterStackProps = {}) {
    super(scope, id, props);
    const retentionDays = props.retentionDays ?? 395;

    this.data = new Data(this, 'Data');
    this.messaging = new Messaging(this, 'Messaging');
    this.auth = new Auth(this, 'Auth');
    this.workers = new Workers(this, 'Workers', {
      table: this.data.table,
      notifications: this.messaging.notifications,
      retentionDays,
      inboundRecipients: props.inboundRecipients,
    });
    this.api = new Api(this, 'Api', {
      table: this.data.table,
      notifications: this.messaging.notifications,
      mailBucket: this.workers.mailBucket,
      auth: this.auth,
      retentionDays,
    });

    this.givenUp = new GivenUpAlarm(this, 'GivenUp', {
      functions: [this.api.handler, this.workers.notifier, this.workers.sweeper, this.workers.emailInbound],
    });

    new CfnOutput(this, 'ApiUrl', { value: this.api.httpApi.apiEndpoint });
    new CfnOutput(this, 'TableName', { value: this.data.table.tableName });
    new CfnOutput(this, 'QueueUrl', { value: this.messaging.notifications.queueUrl });
    new CfnOutput(this, 'UserPoolId', { value: this.auth.userPool.userPoolId });
    new CfnOutput(this, 'UserPoolClientId', { value: this.auth.client.userPoolClientId });
  }
}
