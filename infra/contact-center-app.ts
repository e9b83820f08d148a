import { Tags, type App } from 'aws-cdk-lib';
import { ContactCenterStack } from './contact-center-stack';
import { EdgeStack } from './edge-stack';
import { stageConfig, type StageConfig } from './ops-config';

export interface ContactCenterApp {
  stage: StageConfig;
  edge: EdgeStack;
  main: ContactCenterStack;
}

/** Context values a deploy may pass with -c (all optional; docs/operations.md). */
function contextString(app: App, key: string): string | undefined {
  const value = app.node.tryGetContext(key) as unknown;
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string') throw new Error(`-c ${key} must be a string`);
  return value;
}

/**
 * The two stacks of one stage: the edge stack (web ACL, us-east-1) and the main stack (everything else,
 * in the region of the deploying credentials: environment-agnostic, so `cdk synth` runs offline).
 * dev keeps the stack names the project started with; other stages carry their name.
 */
export function defineContactCenter(app: App): ContactCenterApp {
  const stage = stageConfig(app.node.tryGetContext('stage'));
  const suffix = stage.stage === 'dev' ? '' : `-${stage.stage}`;
  const domainName = contextString(app, 'domainName');
  const certificateArn = contextString(app, 'certificateArn');
  if (!domainName !== !certificateArn) throw new Error('-c domainName and -c certificateArn go together');

  const edge = new EdgeStack(app, 'ContactCenterEdge', {
    stackName: `ContactCenterEdge${suffix}`,
    description: `Contact center web ACL for CloudFront (${stage.stage}); must be in us-east-1.`,
    env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: 'us-east-1' },
    stage,
  });
  const main = new ContactCenterStack(app, 'ContactCenter', {
    stackName: `ContactCenter${suffix}`,
    description: `Contact center backend for banks (${stage.stage}): CloudFront + WAF, API, DynamoDB, SQS, workers.`,
    stage,
    alarmEmail: contextString(app, 'alarmEmail'),
    secretsRevision: contextString(app, 'secretsRevision'),
    customerMessaging: {
      twilioAccountSid: contextString(app, 'twilioAccountSid'),
      twilioFrom: contextString(app, 'twilioFrom'),
      sesFromAddress: contextString(app, 'sesFromAddress'),
      sesReplyTo: contextString(app, 'sesReplyTo'),
    },
    domain: domainName && certificateArn ? { names: [domainName], certificateArn } : undefined,
  });
  Tags.of(app).add('Application', 'contact-center');
  Tags.of(app).add('Stage', stage.stage);
  return { stage, edge, main };
}
