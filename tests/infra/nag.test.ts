import { App, Stack, Validations } from 'aws-cdk-lib';
import { Bucket } from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { afterAll, describe, expect, it } from 'vitest';
import { stageNames } from '../../infra/ops-config';
import { synthesise, type Synthesised } from './synth';

/** Every AwsSolutions finding (error or warning) not acknowledged next to its resource. */
function findings(scope: IConstruct): string[] {
  const report = new AwsSolutionsChecks().validateScope(scope);
  return report.violations.flatMap((v) =>
    v.violatingResources.map((r) => `${v.ruleName} (${v.severity}) at ${r.constructPath}: ${v.description}`),
  );
}

const synthesised: Synthesised[] = [];
afterAll(() => synthesised.forEach((s) => s.cleanup()));

// Each case synthesises both stacks of a stage: slow on a loaded 2-core machine, so a minute and a half each.
describe('cdk-nag, AwsSolutions rules', { timeout: 90_000 }, () => {
  it.each(stageNames)('%s: no unacknowledged finding in either stack', (stage) => {
    const s = synthesise(stage, { bundle: false });
    synthesised.push(s);
    expect(findings(s.edge)).toEqual([]);
    expect(findings(s.main)).toEqual([]);
  });

  it('with a custom domain too (TLS 1.2 minimum instead of the default certificate)', () => {
    const s = synthesise('prod', {
      bundle: false,
      context: {
        domainName: 'care.bank.example',
        certificateArn: 'arn:aws:acm:us-east-1:123456789012:certificate/0e7c1f4a-0000-4000-8000-000000000000',
      },
    });
    synthesised.push(s);
    expect(findings(s.main)).toEqual([]);
    s.template.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: {
        Aliases: ['care.bank.example'],
        ViewerCertificate: { MinimumProtocolVersion: 'TLSv1.2_2021' },
      },
    });
  });

  it('catches a new non-compliant resource (the check can fail)', () => {
    const stack = new Stack(new App(), 'Probe');
    new Bucket(stack, 'Plain');
    expect(findings(stack).some((f) => f.startsWith('AwsSolutions-S1 '))).toBe(true);
    expect(findings(stack).some((f) => f.startsWith('AwsSolutions-S10 '))).toBe(true);
  });

  it('an acknowledgement needs the exact finding: a reason on another id does not hide it', () => {
    const stack = new Stack(new App(), 'Probe');
    const bucket = new Bucket(stack, 'Plain', { enforceSSL: true });
    Validations.of(bucket).acknowledge({ id: 'AwsSolutions-S2', reason: 'unrelated acknowledgement' });
    expect(findings(stack).some((f) => f.startsWith('AwsSolutions-S1 '))).toBe(true);
    Validations.of(bucket).acknowledge({ id: 'AwsSolutions-S1', reason: 'probe bucket' });
    expect(findings(stack).some((f) => f.startsWith('AwsSolutions-S1 '))).toBe(false);
  });
});
