import { Duration, Validations } from 'aws-cdk-lib';
import type { IDistribution } from 'aws-cdk-lib/aws-cloudfront';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { budgets } from '../ops-budgets';
import type { StageConfig } from '../ops-config';
import { createNodeFunction } from './node-function';

export interface SecretRotationProps {
  secret: Secret;
  /** The JSON key of the secret that holds the generated value. */
  jsonKey: string;
  length: number;
  rotateAfter: Duration;
  stage: StageConfig;
  /** For the origin-verify secret: the distribution whose origin header follows the secret. */
  cloudFront?: { distribution: IDistribution; headerName: string; webAclArn: string };
}

/**
 * Automatic rotation of a generated secret by infra/rotation/handler.ts: a new random value as AWSPENDING,
 * pushed to CloudFront's origin header when the secret is the origin-verify one, checked, then promoted.
 */
export class SecretRotation extends Construct {
  readonly function: NodejsFunction;

  constructor(scope: Construct, id: string, props: SecretRotationProps) {
    super(scope, id);
    const { cloudFront } = props;
    this.function = createNodeFunction(this, 'Function', {
      entry: 'infra/rotation/handler.ts',
      description: `Rotates ${props.secret.node.path}`,
      memorySize: 256,
      budget: budgets.secretRotation,
      stage: props.stage,
      reservedConcurrency: props.stage.reservedConcurrency.secretRotation,
      environment: {
        SECRET_JSON_KEY: props.jsonKey,
        SECRET_LENGTH: String(props.length),
        ...(cloudFront && {
          DISTRIBUTION_ID: cloudFront.distribution.distributionId,
          ORIGIN_VERIFY_HEADER: cloudFront.headerName,
        }),
      },
    });
    if (cloudFront) {
      this.function.addToRolePolicy(
        new PolicyStatement({
          actions: ['cloudfront:GetDistributionConfig', 'cloudfront:UpdateDistribution'],
          resources: [cloudFront.distribution.distributionArn],
        }),
      );
      // The configuration sent back names the web ACL; CloudFront may check the caller can read it.
      this.function.addToRolePolicy(
        new PolicyStatement({ actions: ['wafv2:GetWebACL'], resources: [cloudFront.webAclArn] }),
      );
    }
    // Grants DescribeSecret/GetSecretValue/PutSecretValue/UpdateSecretVersionStage on this secret only,
    // GetRandomPassword (no resource-level permissions), and lets Secrets Manager invoke the function.
    props.secret.addRotationSchedule('Schedule', {
      rotationLambda: this.function,
      automaticallyAfter: props.rotateAfter,
      // Not during a deploy: the first rotation comes on schedule, after the stack is complete.
      rotateImmediatelyOnUpdate: false,
    });
    Validations.of(this.function.role!).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'secretsmanager:GetRandomPassword (added by the rotation schedule, used to generate the new value) ' +
        'supports no resource-level permissions; every other statement of this role names its resource.',
    });
  }
}
