import { mkdirSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { build, type BuildOptions, type Metafile } from 'esbuild';
import type { BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs';
import { bundling } from '../../infra/constructs/node-function';
import { fromRoot, repoRoot } from '../../infra/paths';

/**
 * Size budgets (issue 17), relative to each bundle's floor: the AWS SDK clients it contains, built bare with the
 * same options (`measureFloor`). The staff API may weigh its floor + 250 KB, every other function (the console and
 * the public edge included: the issue gives the API's allowance to the API alone) its floor + 150 KB.
 */
export const allowanceOverFloor = (name: string): number => (name === 'api' ? 250 : 150) * 1024;

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

/**
 * `--alias` (one `from=to` string, or several in an array, as the CDK renders them) is the only extra esbuild
 * argument the stack passes; any other would go unmeasured, so it is refused.
 */
function aliasesFrom(args: NonNullable<BundlingOptions['esbuildArgs']>): Record<string, string> {
  const aliases: Record<string, string> = {};
  for (const [flag, value] of Object.entries(args)) {
    const entries = typeof value === 'string' ? [value] : Array.isArray(value) ? value : null;
    if (flag !== '--alias' || !entries) throw new Error(`bench/lib/bundles.ts does not map esbuild argument ${flag}`);
    for (const entry of entries) {
      const [from, to] = entry.split('=') as [string, string];
      aliases[from] = to;
    }
  }
  return aliases;
}

export interface BundleReport {
  name: string;
  file: string;
  bytes: number;
  /** The AWS SDK clients in the bundle (client-dynamodb, client-sqs...): what its floor is built from. */
  clients: string[];
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
        clients: sdkClients(meta, output),
        top: topPackages(meta, output),
      };
    }),
  );
}

/** The AWS SDK service clients a bundle contains, sorted (`client-dynamodb`, `client-sqs`...). */
function sdkClients(meta: Metafile, output: string): string[] {
  const clients = new Set<string>();
  for (const input of Object.keys(meta.outputs[output]!.inputs)) {
    const m = /node_modules\/@aws-sdk\/(client-[^/]+)\//.exec(input);
    if (m) clients.add(m[1]!);
  }
  return [...clients].sort();
}

/**
 * Each client of a floor, bare: created with defaults and sending one command (the DynamoDB one through the
 * document client, as the store does). DynamoDB and SQS send what GET /health sends, so the floor also runs.
 */
const floorClients: Record<string, { label: string; source: (i: number) => string }> = {
  'client-dynamodb': {
    label: 'DynamoDB',
    source: (i) => `import { DynamoDBClient as C${i} } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient as D${i}, GetCommand as G${i} } from '@aws-sdk/lib-dynamodb';
const doc${i} = D${i}.from(new C${i}({}));
const key${i} = { pk: 'HEALTH', sk: 'HEALTH' };
calls.push(() => doc${i}.send(new G${i}({ TableName: process.env.TABLE_NAME ?? 't', Key: key${i} })));`,
  },
  'client-sqs': {
    label: 'SQS',
    source: (i) => `import { SQSClient as S${i}, GetQueueAttributesCommand as Q${i} } from '@aws-sdk/client-sqs';
import { SendMessageBatchCommand as B${i} } from '@aws-sdk/client-sqs';
const sqs${i} = new S${i}({});
const queue${i} = process.env.NOTIFICATION_QUEUE_URL ?? 'q';
calls.push(() => sqs${i}.send(new Q${i}({ QueueUrl: queue${i}, AttributeNames: ['QueueArn'] })));
export const send${i} = () => sqs${i}.send(new B${i}({ QueueUrl: queue${i}, Entries: [] }));`,
  },
  'client-s3': {
    label: 'S3',
    source: (i) => `import { S3Client as S${i}, PutObjectCommand as P${i} } from '@aws-sdk/client-s3';
const s3${i} = new S${i}({});
export const put${i} = () => s3${i}.send(new P${i}({ Bucket: 'b', Key: 'k', Body: 'x' }));`,
  },
  'client-secrets-manager': {
    label: 'Secrets Manager',
    source: (i) => `import { SecretsManagerClient as M${i} } from '@aws-sdk/client-secrets-manager';
import { GetSecretValueCommand as V${i} } from '@aws-sdk/client-secrets-manager';
const secrets${i} = new M${i}({});
export const secret${i} = () => secrets${i}.send(new V${i}({ SecretId: 's' }));`,
  },
  'client-sesv2': {
    label: 'SES v2',
    source: (i) => `import { SESv2Client as S${i}, SendEmailCommand as E${i} } from '@aws-sdk/client-sesv2';
const ses${i} = new S${i}({});
const content${i} = { Simple: { Subject: { Data: 's' }, Body: { Text: { Data: 'b' } } } };
export const email${i} = () => ses${i}.send(new E${i}({ Content: content${i} }));`,
  },
};

export interface Floor {
  /** The clients it holds, readable (`DynamoDB + SQS`). */
  label: string;
  bytes: number;
  /** The built floor; its `handler` sends the DynamoDB and SQS calls of GET /health (for the cold-start floor). */
  file: string;
}

/**
 * The floor under a bundle: its AWS SDK clients alone, built with the same options. Clients the bench has no
 * bare form for are named in the label and left out (so such a floor is lower than it should be).
 */
export async function measureFloor(outRoot: string, clients: string[]): Promise<Floor> {
  const known = clients.filter((c) => floorClients[c]);
  const unknown = clients.filter((c) => !floorClients[c]);
  const contents =
    'const calls = [];\n' +
    known.map((c, i) => floorClients[c]!.source(i)).join('\n') +
    '\nexport const handler = async () => {\n  await Promise.all(calls.map((call) => call()));\n' +
    '  return { statusCode: 200 };\n};\n';
  const name = known.join('+') || 'none';
  const outdir = join(outRoot, name);
  mkdirSync(outdir, { recursive: true });
  const { entryPoints: _entry, ...options } = esbuildOptionsFrom(bundling, 'stdin.ts', outdir);
  const result = await build({
    ...options,
    stdin: { contents, loader: 'ts', resolveDir: repoRoot, sourcefile: `floor-${name}.ts` },
  });
  const output = Object.keys(result.metafile!.outputs).find((o) => /index\.m?js$/.test(o))!;
  const labels = [...known.map((c) => floorClients[c]!.label), ...unknown.map((c) => `${c} (not built)`)];
  return {
    label: labels.join(' + ') || 'no AWS SDK client',
    bytes: result.metafile!.outputs[output]!.bytes,
    file: join(repoRoot, output),
  };
}
