import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { Architecture, Runtime } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat, type BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { fromRoot, repoRoot } from '../paths';

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
  esbuildArgs: { '--alias': '@aws-sdk/credential-provider-node=./infra/bundling/lambda-credentials.ts' },
  metafile: true,
};

export interface NodeFunctionProps {
  /** Handler source, relative to the repo root, e.g. 'functions/api.ts'. Exports `handler`. */
  entry: string;
  timeout: Duration;
  memorySize?: number;
  environment: Record<string, string>;
  description?: string;
}

/** A Node.js 22 / arm64 Lambda with the shared bundling, runtime and log settings. */
export function createNodeFunction(scope: Construct, id: string, props: NodeFunctionProps): NodejsFunction {
  const logGroup = new LogGroup(scope, `${id}Logs`, {
    retention: RetentionDays.THREE_MONTHS,
    removalPolicy: RemovalPolicy.RETAIN,
  });
  return new NodejsFunction(scope, id, {
    entry: fromRoot(props.entry),
    handler: 'handler',
    projectRoot: repoRoot,
    depsLockFilePath: fromRoot('package-lock.json'),
    runtime: Runtime.NODEJS_22_X,
    architecture: Architecture.ARM_64,
    memorySize: props.memorySize ?? 512,
    timeout: props.timeout,
    description: props.description,
    logGroup,
    bundling,
    // No --enable-source-maps: it made every cold start ~100 ms slower (docs/performance.md).
    // The bundles still ship their source maps, so logged stack traces can be symbolicated offline.
    environment: { ...props.environment },
  });
}
