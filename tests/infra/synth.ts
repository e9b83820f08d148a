import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { App, type CfnElement } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { defineContactCenter, type ContactCenterApp } from '../../infra/contact-center-app';
import { fromRoot } from '../../infra/paths';
import type { StageName } from '../../infra/ops-config';

export type Json = Record<string, any>;

export interface Synthesised extends ContactCenterApp {
  outdir: string;
  template: Template;
  edgeTemplate: Template;
  resources: Record<string, Json>;
  /** The logical ID CloudFormation sees for a construct's L1 resource (or the L1 itself). */
  logicalId(construct: IConstruct): string;
  ofType(type: string): Array<[string, Json]>;
  /** Every IAM statement attached to a function's role. */
  statementsOf(fn: IConstruct): Json[];
  cleanup(): void;
}

export const asArray = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);

/**
 * Both stacks of one stage, synthesised with the feature flags of cdk.json into a private outdir (so a
 * concurrent `cdk synth` into cdk.out is not disturbed). `bundle: false` skips esbuild for speed.
 */
export function synthesise(
  stage: StageName,
  options: { bundle?: boolean; context?: Record<string, string> } = {},
): Synthesised {
  const { context } = JSON.parse(readFileSync(fromRoot('cdk.json'), 'utf8')) as { context: Record<string, unknown> };
  const outdir = mkdtempSync(path.join(tmpdir(), `cc-infra-${stage}-`));
  const app = new App({
    outdir,
    context: {
      ...context,
      stage,
      ...options.context,
      ...(options.bundle === false && { 'aws:cdk:bundling-stacks': [] }),
    },
  });
  const defined = defineContactCenter(app);
  const template = Template.fromStack(defined.main);
  const edgeTemplate = Template.fromStack(defined.edge);
  const resources = template.toJSON().Resources as Record<string, Json>;
  const logicalId = (construct: IConstruct) =>
    defined.main.getLogicalId((construct.node.defaultChild ?? construct) as CfnElement);
  const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
  const statementsOf = (fn: IConstruct) => {
    const roleId = resources[logicalId(fn)]!.Properties.Role['Fn::GetAtt'][0] as string;
    return ofType('AWS::IAM::Policy')
      .filter(([, p]) => (p.Properties.Roles as Json[]).some((r) => r.Ref === roleId))
      .flatMap(([, p]) => asArray(p.Properties.PolicyDocument.Statement as Json | Json[]));
  };
  return {
    ...defined,
    outdir,
    template,
    edgeTemplate,
    resources,
    logicalId,
    ofType,
    statementsOf,
    cleanup: () => rmSync(outdir, { recursive: true, force: true }),
  };
}
