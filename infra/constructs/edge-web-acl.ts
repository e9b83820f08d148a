import { ArnFormat, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { CfnLoggingConfiguration, CfnWebACL } from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import type { StageConfig } from '../ops-config';
import { retention } from './retention';

/** Route prefixes anyone may call without a token (see publicRoutes in ./api.ts). */
export const wafPublicPaths = { prefixes: ['/public/'], exact: ['/complaint', '/complaint/status'] } as const;
/** Signed provider webhooks: authenticated by the app, carrying arbitrary customer text and mail. */
export const wafWebhookPrefix = '/webhooks/';

export const webAclName = (stage: string) => `contact-center-${stage}`;

const visibility = (metricName: string): CfnWebACL.VisibilityConfigProperty => ({
  cloudWatchMetricsEnabled: true,
  metricName,
  sampledRequestsEnabled: true,
});

const uriStartsWith = (prefix: string): CfnWebACL.StatementProperty => ({
  byteMatchStatement: {
    fieldToMatch: { uriPath: {} },
    positionalConstraint: 'STARTS_WITH',
    searchString: prefix,
    textTransformations: [{ priority: 0, type: 'NONE' }],
  },
});
const uriIs = (path: string): CfnWebACL.StatementProperty => ({
  byteMatchStatement: {
    fieldToMatch: { uriPath: {} },
    positionalConstraint: 'EXACTLY',
    searchString: path,
    textTransformations: [{ priority: 0, type: 'NONE' }],
  },
});

/**
 * The CLOUDFRONT-scope web ACL in front of the API (it must live in us-east-1: see EdgeStack):
 * 1. AWS's known-bad-inputs rule group (Log4j, Java deserialisation, ...), on everything;
 * 2. AWS's common rule set on everything but the signed webhooks, with its 8 KB body-size rule counting
 *    only (the app enforces each route's own limit: 32 KB form, 256 KB API, 4 MB email webhook);
 * 3. a per-IP rate limit on the public routes, answering 429.
 * Every request is logged to `aws-waf-logs-...` with the Authorization and Cookie headers and the query
 * string (the status lookup carries a phone number) redacted.
 */
export class EdgeWebAcl extends Construct {
  readonly webAcl: CfnWebACL;
  readonly logGroup: LogGroup;

  constructor(scope: Construct, id: string, props: { stage: StageConfig }) {
    super(scope, id);
    const { stage } = props;
    const publicRoutes: CfnWebACL.StatementProperty = {
      orStatement: {
        statements: [...wafPublicPaths.prefixes.map(uriStartsWith), ...wafPublicPaths.exact.map(uriIs)],
      },
    };

    this.webAcl = new CfnWebACL(this, 'WebAcl', {
      name: webAclName(stage.stage),
      description: `Contact center API front door, stage ${stage.stage}`,
      scope: 'CLOUDFRONT',
      defaultAction: { allow: {} },
      visibilityConfig: visibility('ContactCenterWebAcl'),
      rules: [
        {
          name: 'KnownBadInputs',
          priority: 0,
          overrideAction: { none: {} },
          statement: {
            managedRuleGroupStatement: { vendorName: 'AWS', name: 'AWSManagedRulesKnownBadInputsRuleSet' },
          },
          visibilityConfig: visibility('KnownBadInputs'),
        },
        {
          name: 'CommonRuleSet',
          priority: 1,
          overrideAction: { none: {} },
          statement: {
            managedRuleGroupStatement: {
              vendorName: 'AWS',
              name: 'AWSManagedRulesCommonRuleSet',
              ruleActionOverrides: [{ name: 'SizeRestrictions_BODY', actionToUse: { count: {} } }],
              scopeDownStatement: { notStatement: { statement: uriStartsWith(wafWebhookPrefix) } },
            },
          },
          visibilityConfig: visibility('CommonRuleSet'),
        },
        {
          name: 'PublicRoutesRatePerIp',
          priority: 2,
          action: { block: { customResponse: { responseCode: 429 } } },
          statement: {
            rateBasedStatement: {
              aggregateKeyType: 'IP',
              evaluationWindowSec: 300,
              limit: stage.wafPublicRequestsPer5MinPerIp,
              scopeDownStatement: publicRoutes,
            },
          },
          visibilityConfig: visibility('PublicRoutesRatePerIp'),
        },
      ],
    });

    // WAF requires the aws-waf-logs- prefix, and the log group in the web ACL's region.
    this.logGroup = new LogGroup(this, 'Logs', {
      logGroupName: `aws-waf-logs-${webAclName(stage.stage)}`,
      retention: retention(stage.logRetentionDays.edge),
      removalPolicy: stage.protectData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    new CfnLoggingConfiguration(this, 'Logging', {
      resourceArn: this.webAcl.attrArn,
      // The destination is the log group's ARN without the trailing ':*' of LogGroup.logGroupArn.
      logDestinationConfigs: [
        Stack.of(this).formatArn({
          service: 'logs',
          resource: 'log-group',
          resourceName: this.logGroup.logGroupName,
          arnFormat: ArnFormat.COLON_RESOURCE_NAME,
        }),
      ],
      redactedFields: [
        { singleHeader: { Name: 'authorization' } },
        { singleHeader: { Name: 'cookie' } },
        { queryString: {} },
      ],
    });
  }
}
