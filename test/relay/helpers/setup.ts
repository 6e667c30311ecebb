import { NATS_INSTALL_HINT, findNatsServer } from './nats-server.js';

/** `npm run test:relay` without nats-server fails at once, saying how to install it. */
export default function setup(): void {
  if (!findNatsServer()) throw new Error(NATS_INSTALL_HINT);
}
