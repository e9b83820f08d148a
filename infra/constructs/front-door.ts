import { Duration, Fn, Validations } from 'aws-cdk-lib';
import type { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import { Certificate } from 'aws-cdk-lib/aws-certificatemanager';
import {
  AllowedMethods,
  CachePolicy,
  Distribution,
  HttpVersion,
  OriginProtocolPolicy,
  OriginRequestPolicy,
  OriginSslPolicy,
  PriceClass,
  ResponseHeadersPolicy,
  SecurityPolicyProtocol,
  ViewerProtocolPolicy,
} from 'aws-cdk-lib/aws-cloudfront';
import { HttpOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { timeouts, type StageConfig } from '../ops-config';
import { accessLogPrefixes } from './access-logs';
import { SecretRotation } from './secret-rotation';

/** The header CloudFront adds to every request it forwards to the API; the app rejects requests without it. */
export const originVerifyHeader = 'x-origin-verify';
/** The key of the origin-verify secret's JSON that holds the header value. */
export const originVerifyJsonKey = 'headerValue';

export interface FrontDoorProps {
  httpApi: HttpApi;
  stage: StageConfig;
  /** ARN of the CLOUDFRONT-scope web ACL (the edge stack, in us-east-1). */
  webAclArn: string;
  logBucket: IBucket;
  /** A custom domain: its names and an ACM certificate in us-east-1. Without it, *.cloudfront.net. */
  domain?: { names: string[]; certificateArn: string };
}

/**
 * CloudFront in front of the HTTP API: the WAF web ACL, TLS to the viewer and to the origin, no caching,
 * every viewer header but Host forwarded (API Gateway routes by its own host), security response headers,
 * standard logs to the access-log bucket, and a secret origin header that proves a request came through here.
 */
export class FrontDoor extends Construct {
  readonly distribution: Distribution;
  readonly originSecret: Secret;
  readonly rotation: SecretRotation;
  /** The public base URL: https://<custom domain or distribution domain>. */
  readonly url: string;

  constructor(scope: Construct, id: string, props: FrontDoorProps) {
    super(scope, id);
    const { stage, domain } = props;

    this.originSecret = new Secret(this, 'OriginVerifySecret', {
      description: `Value of the ${originVerifyHeader} header CloudFront sends to the API (rotated automatically).`,
      generateSecretString: {
        secretStringTemplate: JSON.stringify({}),
        generateStringKey: originVerifyJsonKey,
        passwordLength: 48,
        excludePunctuation: true,
      },
    });

    // The API's regional endpoint host: https://<id>.execute-api.<region>.amazonaws.com -> its third part.
    const apiHost = Fn.select(2, Fn.split('/', props.httpApi.apiEndpoint));
    const origin = new HttpOrigin(apiHost, {
      protocolPolicy: OriginProtocolPolicy.HTTPS_ONLY,
      originSslProtocols: [OriginSslPolicy.TLS_V1_2],
      // The API answers within its Lambda timeout; CloudFront waits a little longer, no more.
      readTimeout: Duration.seconds(timeouts.api + 4),
      // A dynamic reference resolved at deploy time; rotation updates the distribution directly afterwards.
      customHeaders: {
        [originVerifyHeader]: this.originSecret.secretValueFromJson(originVerifyJsonKey).unsafeUnwrap(),
      },
    });

    this.distribution = new Distribution(this, 'Distribution', {
      comment: `Contact center API (${stage.stage})`,
      defaultBehavior: {
        origin,
        allowedMethods: AllowedMethods.ALLOW_ALL,
        viewerProtocolPolicy: ViewerProtocolPolicy.HTTPS_ONLY,
        cachePolicy: CachePolicy.CACHING_DISABLED,
        // With caching disabled this forwards Authorization too; Host stays CloudFront's own for the origin.
        originRequestPolicy: OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
        responseHeadersPolicy: ResponseHeadersPolicy.SECURITY_HEADERS,
        compress: true,
      },
      webAclId: props.webAclArn,
      httpVersion: HttpVersion.HTTP2_AND_3,
      enableIpv6: true,
      priceClass: PriceClass.PRICE_CLASS_ALL,
      enableLogging: true,
      logBucket: props.logBucket,
      logFilePrefix: accessLogPrefixes.cloudFront,
      logIncludesCookies: false,
      ...(domain && {
        domainNames: domain.names,
        certificate: Certificate.fromCertificateArn(this, 'Certificate', domain.certificateArn),
        minimumProtocolVersion: SecurityPolicyProtocol.TLS_V1_2_2021,
      }),
    });
    Validations.of(this.distribution).acknowledge({
      id: 'AwsSolutions-CFR1',
      reason:
        'No geo restriction: customers of the bank complain and message from abroad too. The WAF web ACL ' +
        'can add a geo match rule if the bank decides otherwise.',
    });
    if (!domain) {
      Validations.of(this.distribution).acknowledge({
        id: 'AwsSolutions-CFR4',
        reason:
          'Without a custom domain CloudFront serves its default *.cloudfront.net certificate, whose minimum ' +
          'protocol cannot be set. Deploy with -c domainName=... -c certificateArn=... to get TLSv1.2_2021.',
      });
    }
    this.url = `https://${domain ? domain.names[0] : this.distribution.distributionDomainName}`;

    this.rotation = new SecretRotation(this, 'OriginVerifyRotation', {
      secret: this.originSecret,
      jsonKey: originVerifyJsonKey,
      length: 48,
      rotateAfter: Duration.days(stage.rotationDays.originVerify),
      stage,
      cloudFront: { distribution: this.distribution, headerName: originVerifyHeader, webAclArn: props.webAclArn },
    });
  }
}
