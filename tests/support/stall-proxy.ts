import { createConnection, createServer, type Socket } from 'node:net';

/**
 * A TCP proxy on 127.0.0.1 in front of a local service, that can stall it the way a paused process or a
 * network partition does: while paused, connections are accepted (the kernel would) but nothing answers.
 */
export interface StallProxy {
  endpoint: string;
  pause(): void;
  /**
   * Lets traffic flow again. `held`: what happens to what was sent while paused: `drop` (a partition: those
   * connections are cut, their requests never arrive) or `deliver` (a paused process: they are served late).
   */
  resume(held: 'drop' | 'deliver'): void;
  close(): Promise<void>;
}

export async function startStallProxy(target: string): Promise<StallProxy> {
  const { hostname, port } = new URL(target);
  let paused = false;
  const held: { client: Socket; connect(): void }[] = [];
  const open = new Set<Socket>();

  const server = createServer((client) => {
    open.add(client);
    client.on('close', () => open.delete(client));
    client.on('error', () => undefined);
    let upstream: Socket | undefined;
    const connect = () => {
      upstream = createConnection({ host: hostname, port: Number(port) });
      open.add(upstream);
      upstream.on('close', () => open.delete(upstream!));
      upstream.on('error', () => client.destroy());
      client.pipe(upstream).pipe(client);
      client.resume();
    };
    // Read nothing while paused: the request waits in the socket, as it would at a stopped process.
    client.pause();
    if (paused) held.push({ client, connect });
    else connect();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as { port: number };

  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    pause() {
      paused = true;
      // Connections already open (keep-alive) stall too: what they carry is held until resume.
      for (const socket of open) socket.pause();
    },
    resume(what) {
      paused = false;
      if (what === 'drop') {
        for (const socket of [...open]) socket.destroy();
        for (const { client } of held.splice(0)) client.destroy();
      } else {
        for (const socket of open) socket.resume();
        for (const { connect } of held.splice(0)) connect();
      }
    },
    async close() {
      for (const socket of open) socket.destroy();
      for (const { client } of held.splice(0)) client.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
