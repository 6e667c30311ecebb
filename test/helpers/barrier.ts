import { EventEmitter } from 'eventemitter3';
import type { StreamClient } from '../../src/index.js';
import type { TestServer } from '../../src/testing/index.js';
import { waitFor } from '../../src/testing/wait-for.js';

const TOPIC = '__barrier__';

/**
 * An ordering barrier instead of a sleep: frames on one socket arrive in order, so once a
 * sentinel published after some frames has been delivered, those frames have been delivered
 * (or dropped) too. Subscribe before the client starts, or await `ready()` after.
 */
export function barrier(client: StreamClient, server: TestServer) {
  const bus = new EventEmitter();
  let n = 0;
  client.subscribe<number>(TOPIC, (mark) => bus.emit('mark', mark));
  return {
    /** Resolves once the server holds the sentinel subscription. */
    async ready(timeoutMs = 3_000): Promise<void> {
      if ((server.subscriptions().get(TOPIC) ?? 0) > 0) return;
      await waitFor(server, 'subscribe', { timeoutMs, filter: () => (server.subscriptions().get(TOPIC) ?? 0) > 0 });
    },
    /** Everything the server published before this call has reached the client's handlers. */
    async flush(timeoutMs = 3_000): Promise<void> {
      const mark = ++n;
      const seen = waitFor(bus, 'mark', { timeoutMs, filter: (m: number) => m === mark });
      server.publish(TOPIC, mark);
      await seen;
    },
  };
}
