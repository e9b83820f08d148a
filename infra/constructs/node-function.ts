import path from 'node:path';
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { Policy, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime, type CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat, type BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { lambdaTimeoutSeconds, type FunctionBudget } from '../ops-budgets';
import type { StageConfig } from '../ops-config';
import { fromRoot, repoRoot } from '../paths';
import { retention } from './retention';

/**
 * Bundling shared by every function: one ESM file per function, minified, with a source map and
 * an esbuild metafile (cdk.out/asset.<hash>/index.meta.json) so bundle size is measurable.
 * The AWS SDK v3 is bundled too (externalModules: []), so what is measured is what ships; its default
 * credential chain is swapped for the environment-only provider Lambda needs (bundling/lambda-credentials.ts).
 */
export const bundling: BundlingOptions = {
  minify: true,
  sourceMap: true,
  format: OutputFormat.ESM,
  target: 'node22',
  mainFields: ['module', 'main'],
  // Some CommonJS dependencies call require() at run time; ESM has no require, so define one.
  banner: "import { createRequire } from 'module'; const require = createRequire(import.meta.url);",
  externalModules: [],
  // Rendered by the CDK as one `--alias:<from>=<to>` argument per entry.
  esbuildArgs: {
    '--alias': ['@aws-sdk/credential-provider-node=./infra/bundling/lambda-credentials.ts'],
  },
  metafile: true,
};

export interface NodeFunctionProps {
  /** Handler source, relative to the repo root, e.g. 'functions/api.ts'. Exports `handler`. */
  entry: string;
  /** Its SDK timeouts and deadline (ops-budgets.ts): the Lambda timeout is derived from it. */
  budget: FunctionBudget;
  stage: StageConfig;
  memorySize?: number;
  environment: Record<string, string>;
  description?: string;
  /** Reserved concurrency (workers, the public edge); the staff API stays on the unreserved pool. */
  reservedConcurrency?: number;
  /** Files (relative to the repo root) shipped beside the bundle, read at run time rather than bundled. */
  files?: string[];
}

/**
 * A Node.js 22 / arm64 Lambda with the shared bundling, its own log group (retention per stage), its own
 * role (write to that log group only: no AWSLambdaBasicExecutionRole, whose logs:* statements cover every
 * log group), X-Ray active tracing, and a timeout derived from its budget.
 */
export function createNodeFunction(scope: Construct, id: string, props: NodeFunctionProps): NodejsFunction {
  const { stage } = props;
  const logGroup = new LogGroup(scope, `${id}Logs`, {
    retention: retention(stage.logRetentionDays.functions),
    removalPolicy: stage.protectData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
  });
  const role = new Role(scope, `${id}Role`, {
    assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
    description: `${props.description ?? id}: its own log group, plus what the stack grants it`,
  });
  logGroup.grantWrite(role);

  const fn = new NodejsFunction(scope, id, {
    entry: fromRoot(props.entry),
    handler: 'handler',
    projectRoot: repoRoot,
    depsLockFilePath: fromRoot('package-lock.json'),
    runtime: Runtime.NODEJS_22_X,
    architecture: Architecture.ARM_64,
    memorySize: props.memorySize ?? 512,
    timeout: Duration.seconds(lambdaTimeoutSeconds(props.budget)),
    description: props.description,
    role,
    logGroup,
    bundling: props.files?.length ? { ...bundling, commandHooks: copying(props.files) } : bundling,
    reservedConcurrentExecutions: props.reservedConcurrency,
    // No --enable-source-maps: it made every cold start ~100 ms slower (docs/performance.md).
    // The bundles still ship their source maps, so logged stack traces can be symbolicated offline.
    environment: { ...props.environment, STAGE: stage.stage },
  });
  Validations.of(fn).acknowledge({
    id: 'AwsSolutions-L1',
    reason:
      'Node.js 22 is pinned on purpose: bundles target node22 and cold starts were measured on it ' +
      '(docs/performance.md); it is supported by Lambda until 2027. Moving to nodejs24.x (no callback ' +
      'handlers) is its own measured change.',
  });

  // Active tracing, with the X-Ray write permissions in a policy of their own so that the one wildcard
  // acknowledgement below covers these two actions and nothing else the role is granted.
  (fn.node.defaultChild as CfnFunction).tracingConfig = { mode: 'Active' };
  const tracing = new Policy(scope, `${id}Tracing`, {
    roles: [role],
    statements: [
      new PolicyStatement({ actions: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'], resources: ['*'] }),
    ],
  });
  Validations.of(tracing).acknowledge({
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason: 'xray:PutTraceSegments and xray:PutTelemetryRecords support no resource-level permissions.',
  });
  return fn;
}

/** Bundling hooks that copy `files` into the asset, beside index.mjs (e.g. the API's OpenAPI document). */
function copying(files: string[]): NonNullable<BundlingOptions['commandHooks']> {
  return {
    beforeBundling: () => [],
    beforeInstall: () => [],
    afterBundling: (inputDir, outputDir) =>
      files.map((file) => `cp "${path.join(inputDir, file)}" "${path.join(outputDir, path.basename(file))}"`),
  };
}
