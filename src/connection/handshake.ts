import { ConnectionError } from '../core/errors.js';
import type { TaskRegistry } from '../core/tasks.js';
import type { Frame, HandshakeIO } from '../protocol/types.js';
import { ControlChannel } from './control.js';
import type { Authenticating, Connecting, Open } from './phase.js';
import type { Loss } from './socket-errors.js';
import type { Transport } from './transport.js';

/**
 * The state of an attempt whose socket opened: the handshake reads its control channel (which
 * writes with `write`) until it completes or, after `timeoutMs`, `lose` is told.
 */
export function authenticating(
  p: Connecting,
  transport: Transport,
  tasks: TaskRegistry,
  timeoutMs: number,
  write: (frame: Frame) => void,
  lose: (loss: Loss) => void,
): Authenticating {
  const control = new ControlChannel(p.token, p.abort.signal, write);
  const deadline = tasks.timeout('connection.handshake-timeout', timeoutMs, () =>
    lose({ kind: 'retry', reason: 'handshake-timeout', error: new ConnectionError('HANDSHAKE_TIMEOUT', `no handshake within ${timeoutMs} ms`) }),
  );
  return { kind: 'authenticating', gen: p.gen, abort: p.abort, token: p.token, transport, control, deadline };
}

/**
 * In-band re-auth of the open session `p` with `token`: `reauth` (the protocol's) runs on a
 * control channel of its own, held in `p.reauth` (the auth answers go there) and bounded by
 * `timeoutMs`. Resolves when the server accepted; rejects with what the protocol threw: a
 * refusal, the timeout, or the abort of a session given up meanwhile.
 */
export async function reauthenticate(
  p: Open,
  token: string,
  reauth: (io: HandshakeIO) => Promise<void>,
  tasks: TaskRegistry,
  timeoutMs: number,
  send: (frame: Frame) => void,
): Promise<void> {
  const abort = new AbortController();
  const control = new ControlChannel(token, abort.signal, send);
  const timer = tasks.timeout('connection.reauth-timeout', timeoutMs, () => abort.abort(new ConnectionError('HANDSHAKE_TIMEOUT', 'no answer to re-auth')));
  const current = (p.reauth = { control, abort, timer });
  try {
    await reauth(control);
  } finally {
    timer.cancel();
    abort.abort();
    if (p.reauth === current) p.reauth = undefined;
  }
}
