import '@cc/local/quiet-sdk-warning';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { freePort, startDynamoDbLocal, startSqsEmulator } from '@cc/local/services';
import { loadContract } from './contract';
import { contractCoverage } from './contract-coverage';

declare module 'vitest' {
  export interface ProvidedContext {
    dynamoEndpoint: string;
    sqsEndpoint: string;
    /** Where the workers append the operation × status pairs their responses exercised (contract-hook.ts). */
    contractCoverageFile: string;
  }
}

/**
 * One in-memory DynamoDB Local and one SQS emulator for the whole run; each test file makes its own table and queues.
 * At the end, the contract coverage line.
 */
export default async function setup(project: TestProject) {
  const [dynamo, sqs] = await Promise.all([
    freePort().then((port) => startDynamoDbLocal({ port })),
    startSqsEmulator({ port: 0 }),
  ]);
  const coverageDir = mkdtempSync(join(tmpdir(), 'cc-contract-'));
  const coverageFile = join(coverageDir, 'exercised.txt');
  writeFileSync(coverageFile, '');
  project.provide('dynamoEndpoint', dynamo.endpoint);
  project.provide('sqsEndpoint', sqs.endpoint);
  project.provide('contractCoverageFile', coverageFile);
  return async () => {
    await Promise.all([dynamo.stop(), sqs.stop()]);
    const exercised = readFileSync(coverageFile, 'utf8').split('\n');
    if (exercised.some(Boolean)) process.stdout.write(`\n${contractCoverage(loadContract(), exercised)}\n`);
    rmSync(coverageDir, { recursive: true, force: true });
  };
}
