import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { EdgeWebAcl } from './constructs/edge-web-acl';
import type { StageConfig } from './ops-config';

export interface EdgeStackProps extends StackProps {
  stage: StageConfig;
}

/**
 * The web ACL for the CloudFront distribution. AWS WAF only accepts CLOUDFRONT-scope web ACLs (and their
 * logs) in us-east-1, whatever region the API runs in, so they live in this small stack pinned there; the
 * main stack takes the ACL's ARN as its EdgeWebAclArn parameter. See docs/operations.md, "Deploying".
 */
export class EdgeStack extends Stack {
  readonly webAcl: EdgeWebAcl;

  constructor(scope: Construct, id: string, props: EdgeStackProps) {
    super(scope, id, props);
    if (this.region !== 'us-east-1') throw new Error(`EdgeStack must be deployed to us-east-1, not ${this.region}`);
    this.webAcl = new EdgeWebAcl(this, 'WebAcl', { stage: props.stage });
    new CfnOutput(this, 'WebAclArn', {
      value: this.webAcl.webAcl.attrArn,
      description: 'Pass to the main stack: --parameters EdgeWebAclArn=<this value>',
    });
  }
}
