import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
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
