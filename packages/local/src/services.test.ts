import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { assertJavaAvailable, assertPortFree, ServiceStartError } from './services';

const originalPath = process.env.PATH;
afterEach(() => {
  process.env.PATH = originalPath;
});

describe('start-up checks', () => {
  it('explains how to install Java when it is missing', () => {
    process.env.PATH = '/nonexistent';
    expect(() => assertJavaAvailable()).toThrow(ServiceStartError);
    expect(() => assertJavaAvailable()).toThrow(/Java 17\+.*apt-get install -y openjdk-17-jre-headless/s);
  });

  it('passes when Java is on PATH', () => {
    expect(() => assertJavaAvailable()).not.toThrow();
  });

  it('names the port, what wanted it and the variable to change it', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    try {
      await expect(assertPortFree(port, 'the API', 'PORT')).rejects.toThrow(`Port ${port} (the API) is already in use`);
      await expect(assertPortFree(port, 'the API', 'PORT')).rejects.toThrow('PORT=<port>');
    } finally {
      server.close();
    }
  });
});

/** The local addresses listening on `port`, from the kernel's socket tables (hex, as /proc/net/tcp* spells them). */
function listeningAddresses(port: number): string[] {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  return ['/proc/net/tcp', '/proc/net/tcp6'].flatMap((file) =>
    readFileSync(file, 'utf8')
      .split('\n')
      .slice(1)
      .map((line) => line.trim().split(/\s+/))
      .filter((cols) => cols[3] === '0A' && cols[1]?.endsWith(`:${hexPort}`))
      .map((cols) => cols[1]!.split(':')[0]!),
  );
}

const LOOPBACK = new Set(['0100007F', '0000000000000000FFFF00000100007F', '00000000000000000000000001000000']);

describe.runIf(process.platform === 'linux')('local services listen on the loopback interface only', () => {
  it.each([
    ['DynamoDB Local', 'dynamoEndpoint'],
    ['the SQS emulator', 'sqsEndpoint'],
  ] as const)('%s', (_name, endpoint) => {
    const addresses = listeningAddresses(Number(new URL(inject(endpoint)).port));
    expect(addresses.length).toBeGreaterThan(0);
    for (const address of addresses) expect(LOOPBACK.has(address), address).toBe(true);
  });
});
