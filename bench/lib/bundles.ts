import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { build, type BuildOptions, type Metafile, type Plugin } from 'esbuild';
import type { BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs';
import { bundling } from '../../infra/constructs/node-function';
import { fromRoot, repoRoot } from '../../infra/paths';

/** Size budgets (minified bundle, AWS SDK included) from issue 7. */
export const budgets: Record<string, number> = { api: 400 * 1024, notifier: 200 * 1024 };

/**
 * The esbuild options the CDK's NodejsFunction derives from the shared `bundling` settings
 * (aws-lambda-nodejs Bundling.buildEsbuildArgs: --bundle --platform=node --target --format
 * --outfile=index.mjs|index.js --minify --sourcemap --external --banner --main-fields --metafile ...),
 * so what is measured here is what deploys.
 */
export function esbuildOptionsFrom(options: BundlingOptions, entry: string, outdir: string): BuildOptions {
  const esm = options.format === 'esm';
  return {
    absWorkingDir: repoRoot,
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    target: options.target ?? 'node22',
    ...(options.format && { format: options.format as BuildOptions['format'] }),
    outfile: join(outdir, esm ? 'index.mjs' : 'index.js'),
    minify: options.minify ?? false,
    sourcemap: options.sourceMap ?? false,
    ...(options.sourcesContent === false && { sourcesContent: false }),
    external: options.externalModules ?? ['@aws-sdk/*'],
    ...(options.loader && { loader: options.loader as BuildOptions['loader'] }),
    ...(options.define && { define: options.define }),
    ...(options.keepNames && { keepNames: true }),
    ...(options.tsconfig && { tsconfig: options.tsconfig }),
    ...(options.banner && { banner: { js: options.banner } }),
    ...(options.footer && { footer: { js: options.footer } }),
    ...(options.mainFields && { mainFields: options.mainFields }),
    ...(options.inject && { inject: options.inject }),
    ...(options.esbuildArgs && { alias: aliasesFrom(options.esbuildArgs) }),
    // The bench always reads sizes from the metafile, as the CDK build writes index.meta.json.
    metafile: true,
    logLevel: 'silent',
  };
}

/** `--alias` is the only extra esbuild argument the stack passes; any other would go unmeasured, so it is refused. */
function aliasesFrom(args: NonNullable<BundlingOptions['esbuildArgs']>): Record<string, string> {
  const aliases: Record<string, string> = {};
  for (const [flag, value] of Object.entries(args)) {
    if (flag !== '--alias' || typeof value !== 'string')
      throw new Error(`bench/lib/bundles.ts does not map esbuild argument ${flag}`);
    const [from, to] = value.split('=') as [string, string];
    aliases[from] = to;
  }
  return aliases;
}

export interface BundleReport {
  name: string;
  file: string;
  bytes: number;
  budget?: number;
  /** Largest contributors by package (bytes in the output). */
  top: { pkg: string; bytes: number }[];
}

const packageOf = (input: string): string => {
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input);
  if (m) return m[1]!;
  const local = /^packages\/([^/]+)/.exec(input);
  return local ? `@cc/${local[1]}` : input.split('/')[0]!;
};

function topPackages(meta: Metafile, output: string): { pkg: string; bytes: number }[] {
  const totals = new Map<string, number>();
  for (const [input, { bytesInOutput }] of Object.entries(meta.outputs[output]!.inputs))
    totals.set(packageOf(input), (totals.get(packageOf(input)) ?? 0) + bytesInOutput);
  return [...totals]
    .map(([pkg, bytes]) => ({ pkg, bytes }))
    .sort((a, b) => b.bytes - a.bytes)
    .slice(0, 5);
}

/** Builds every functions/*.ts with the deploy settings into `outRoot/<name>/` and reads sizes from the metafiles. */
export async function buildBundles(outRoot: string): Promise<BundleReport[]> {
  const entries = readdirSync(fromRoot('functions'))
    .filter((f) => f.endsWith('.ts'))
    .sort();
  return Promise.all(
    entries.map(async (fileName) => {
      const name = basename(fileName, '.ts');
      const outdir = join(outRoot, name);
      mkdirSync(outdir, { recursive: true });
      const options = esbuildOptionsFrom(bundling, `functions/${fileName}`, outdir);
      const result = await build(options);
      const meta = result.metafile!;
      const output = Object.keys(meta.outputs).find((o) => /index\.m?js$/.test(o))!;
      return {
        name,
        file: join(repoRoot, output),
        bytes: meta.outputs[output]!.bytes,
        budget: budgets[name],
        top: topPackages(meta, output),
      };
    }),
  );
}

/** What the SDK and zod alone cost with the same options: the floor under any bundle that uses them. */
export async function measureSdkFloor(
  outRoot: string,
): Promise<{ dynamo: number; dynamoSqs: number; zodNamed: number; zodStar: number }> {
  const sources = {
    dynamo: `import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
const doc = DynamoDBDocumentClient.from(new DynamoDBClient({}));
export const handler = () => doc.send(new GetCommand({ TableName: 't', Key: { pk: 'a', sk: 'b' } }));`,
    dynamoSqs:
      `import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { SQSClient, SendMessageBatchCommand } from '@aws-sdk/client-sqs';
const doc = DynamoDBDocumentClient.from(new DynamoDBClient({}));
const sqs = new SQSClient({});
export const handler = async () => [` +
      `await doc.send(new GetCommand({ TableName: 't', Key: { pk: 'a', sk: 'b' } })), ` +
      `await sqs.send(new SendMessageBatchCommand({ QueueUrl: 'q', Entries: [] }))];`,
    zodNamed: `import { z } from 'zod';
export const handler = (env) => z.object({ A: z.string().min(3), B: z.coerce.number().int().default(1) }).parse(env);`,
    zodStar: `import * as z from 'zod';
export const handler = (env) => z.object({ A: z.string().min(3), B: z.coerce.number().int().default(1) }).parse(env);`,
  };
  const sizes = {} as Record<keyof typeof sources, number>;
  for (const [name, contents] of Object.entries(sources) as [keyof typeof sources, string][]) {
    const outdir = join(outRoot, name);
    mkdirSync(outdir, { recursive: true });
    const { entryPoints: _entry, ...options } = esbuildOptionsFrom(bundling, 'stdin.ts', outdir);
    const result = await build({
      ...options,
      stdin: { contents, loader: 'ts', resolveDir: repoRoot, sourcefile: `${name}.ts` },
    });
    const output = Object.keys(result.metafile!.outputs).find((o) => /index\.m?js$/.test(o))!;
    sizes[name] = result.metafile!.outputs[output]!.bytes;
  }
  return sizes;
}

/**
 * What-if sizes for the report (not what deploys): the same build with every `import { z } from 'zod'`
 * (ours and @hono/zod-openapi's) rewritten to `import * as z from 'zod'`, which lets esbuild drop zod's
 * locales; and with the AWS SDK left to the Lambda runtime.
 */
export async function whatIfSizes(
  name: string,
  outRoot: string,
): Promise<{ zodNamespace: number; sdkExternal: number; both: number }> {
  const namespaceZod: Plugin = {
    name: 'namespace-zod',
    setup(b) {
      b.onLoad(
        { filter: /(\/packages\/[^/]+\/src\/|\/functions\/)[^/]+\.ts$|@hono\/zod-openapi\/dist\/index\.mjs$/ },
        (args) => {
          const source = readFileSync(args.path, 'utf8').replace(
            /import\s*\{\s*z\s*\}\s*from\s*(['"])zod\1/g,
            'import * as z from $1zod$1',
          );
          return { contents: source, loader: args.path.endsWith('.ts') ? 'ts' : 'js', resolveDir: dirname(args.path) };
        },
      );
    },
  };
  const sizeOf = async (variant: string, extra: Partial<BuildOptions>) => {
    const outdir = join(outRoot, `${name}-${variant}`);
    mkdirSync(outdir, { recursive: true });
    const options = esbuildOptionsFrom(bundling, `functions/${name}.ts`, outdir);
    const result = await build({ ...options, ...extra });
    const output = Object.keys(result.metafile!.outputs).find((o) => /index\.m?js$/.test(o))!;
    return result.metafile!.outputs[output]!.bytes;
  };
  const sdk = { external: ['@aws-sdk/*', '@smithy/*'] };
  return {
    zodNamespace: await sizeOf('zod', { plugins: [namespaceZod] }),
    sdkExternal: await sizeOf('sdk', sdk),
    both: await sizeOf('both', { ...sdk, plugins: [namespaceZod] }),
  };
}
