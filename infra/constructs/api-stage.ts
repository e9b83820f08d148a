import { RemovalPolicy } from 'aws-cdk-lib';
import type { CfnRoute, CfnStage, HttpApi, HttpRoute } from 'aws-cdk-lib/aws-apigatewayv2';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { StageConfig, Throttle } from '../ops-config';
import { retention } from './retention';

/**
 * One JSON line per request: who called what, when, with which result and how fast. `callerId` is the
 * Cognito `sub` of the staff member (an opaque id, resolvable to a person only through the user pool);
 * public callers have none. Never the token, never a customer's phone or email: query strings are not
 * logged (`path` has none), and the source IP is left out (behind CloudFront it is an edge address; client
 * addresses are in the WAF log). `requestId` is the correlation id the app logs with every line.
 */
export const accessLogFormat = {
  requestId: '$context.requestId',
  requestTime: '$context.requestTime',
  requestTimeEpoch: '$context.requestTimeEpoch',
  httpMethod: '$context.httpMethod',
  routeKey: '$context.routeKey',
  path: '$context.path',
  protocol: '$context.protocol',
  status: '$context.status',
  responseLength: '$context.responseLength',
  responseLatency: '$context.responseLatency',
  integrationLatency: '$context.integrationLatency',
  integrationStatus: '$context.integrationStatus',
  integrationError: '$context.integrationErrorMessage',
  authorizerError: '$context.authorizer.error',
  callerId: '$context.authorizer.claims.sub',
} as const;

export interface ApiStageProps {
  httpApi: HttpApi;
  stage: StageConfig;
  /** Anonymous routes (tighter throttle), webhook routes (their own) and the console's (the staff default). */
  publicRoutes: HttpRoute[];
}

/** CfnStage.routeSettings is untyped JSON: its keys are written as CloudFormation spells them. */
const asRouteSettings = (t: Throttle) => ({ ThrottlingRateLimit: t.rateLimit, ThrottlingBurstLimit: t.burstLimit });

/**
 * Throttles and the access log on the API's $default stage. Set on the stage the API already has (an
 * escape hatch on its CfnStage), so a deployed stack keeps its stage instead of replacing it.
 */
export class ApiStage extends Construct {
  readonly accessLogs: LogGroup;

  constructor(scope: Construct, id: string, props: ApiStageProps) {
    super(scope, id);
    const { stage } = props;
    this.accessLogs = new LogGroup(this, 'AccessLogs', {
      retention: retention(stage.logRetentionDays.apiAccess),
      removalPolicy: stage.protectData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });

    const cfnStage = props.httpApi.defaultStage!.node.defaultChild as CfnStage;
    cfnStage.accessLogSettings = {
      destinationArn: this.accessLogs.logGroupArn,
      format: JSON.stringify(accessLogFormat),
    };
    cfnStage.defaultRouteSettings = {
      throttlingRateLimit: stage.throttle.default.rateLimit,
      throttlingBurstLimit: stage.throttle.default.burstLimit,
      detailedMetricsEnabled: false,
    };
    const routeSettings: Record<string, ReturnType<typeof asRouteSettings>> = {};
    for (const route of props.publicRoutes) {
      const routeKey = (route.node.defaultChild as CfnRoute).routeKey;
      // The console is staff traffic without a JWT at the gateway: the staff routes' (default) throttle.
      routeSettings[routeKey] = asRouteSettings(
        routeKey.includes('/webhooks/')
          ? stage.throttle.webhooks
          : / \/console/.test(routeKey)
            ? stage.throttle.default
            : stage.throttle.public,
      );
      // Route settings name routes by key: the routes must exist before the stage refers to them.
      cfnStage.node.addDependency(route);
    }
    cfnStage.routeSettings = routeSettings;
  }
}
