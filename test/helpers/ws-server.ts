import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';

/** A raw `ws` server on 127.0.0.1, port 0, listening: the test decides how it misbehaves. */
export async function listenWs(): Promise<{ server: WebSocketServer; url: string }> {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  return { server, url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}/` };
}

/** Close it (if one was made); resolves once it is closed. */
export function closeWs(server: WebSocketServer | undefined): Promise<void> {
  return new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
}

/** A raw-server test's teardown: its client first (it may be reconnecting to the server), then the server. Either may be missing or closed already. */
export async function closeClientThenServer(client: { close(): Promise<unknown> } | undefined, server: WebSocketServer | undefined): Promise<void> {
  await client?.close();
  await closeWs(server);
}
