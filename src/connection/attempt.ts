import { isFatalTokenFailure } from '../auth/classify.js';
import type { Clock } from '../core/clock.js';
import type { TaskRegistry } from '../core/tasks.js';
import { AuthError, ConnectionError, describeError, isStreamClientError } from '../core/errors.js';
import { REFUSED_FAST_MS } from '../reconnect/scheduler.js';
import type { SecretSink } from './network.js';
import type { Connecting } from './phase.js';
import type { Loss } from './socket-errors.js';
import { openTransport, type TransportHandlers } from './transport.js';
import type { ConnectionOptions } from './types.js';

/**
 * The credential could not be had: only a token error retrying cannot fix ends the
 * connection; an outage of the token service is a reconnect.
 */
function credentialLoss(err: unknown): Loss {
  const error = isStreamClientError(err) ? err : new AuthError('AUTH_FAILED', `token unavailable: ${describeError(err)}`, { cause: err });
  return isFatalTokenFailure(error) ? { kind: 'fatal', reason: 'auth-failed', error } : { kind: 'retry', reason: 'token-unavailable', error };
}

/** What an attempt needs besides its state. */
export interface AttemptEnv {
  readonly o: ConnectionOptions;
  readonly tasks: TaskRegistry;
  /** The credential for this attempt (the `credential` hook). */
  credential(signal: AbortSignal): Promise<string | undefined>;
  /** Where a socket init registers the secrets it hands to the socket. */
  readonly secrets: SecretSink;
  /** The connection's side of its sockets. */
  readonly handlers: TransportHandlers;
  /** The attempt was given up meanwhile (a stop, a loss): it goes no further. */
  stale(): boolean;
  /** The connect deadline passed. */
  timedOut(loss: Loss): void;
}

/**
 * Run the attempt `p`: the credential, the protocol's per-connection reset, the connect
 * deadline (armed before the socket options are built: loading a proxy module counts against
 * the connect too), then the socket. Resolves with the loss that ends the attempt early, or
 * `undefined`: the socket is made (its events take over) or the attempt went stale.
 */
export async function runAttempt(p: Connecting, env: AttemptEnv): Promise<Loss | undefined> {
  try {
    p.token = await env.credential(p.abort.signal);
  } catch (err) {
    return env.stale() ? undefined : credentialLoss(err);
  }
  if (env.stale()) return undefined;
  const o = env.o;
  o.protocol.reset?.(); // per-connection protocol state (operation ids, keys) starts afresh
  p.deadline = env.tasks.timeout('connection.connect-timeout', o.connectTimeoutMs, () =>
    env.timedOut({ kind: 'retry', reason: 'connect-timeout', error: new ConnectionError('CONNECT_TIMEOUT', `no open within ${o.connectTimeoutMs} ms`) }),
  );
  return openSocket(o, p, env.secrets, env.handlers, env.tasks.clock, env.stale);
}

/**
 * Build the URL and the socket options for the attempt's token and open its socket
 * (`p.transport`, `p.socketAt`), synchronously with the last step so that no event of the
 * socket can come before the attempt holds it. Resolves with `undefined` when the socket is
 * made or the attempt went stale while the options were built (`stale()`), and with a fatal
 * loss when building or opening threw: a bad URL, a `headers()` that throws or returns no
 * header record fails alike on the next try.
 */
async function openSocket(
  o: ConnectionOptions,
  p: Connecting,
  secrets: SecretSink,
  handlers: TransportHandlers,
  clock: Clock,
  stale: () => boolean,
): Promise<Loss | undefined> {
  try {
    const url = typeof o.url === 'function' ? o.url(p.token === undefined ? {} : { token: p.token }) : o.url;
    let init = o.socketInit?.(url, p.token, secrets);
    if (init instanceof Promise) {
      init = await init;
      if (stale()) return undefined;
    }
    p.transport = openTransport(o.WebSocket, url, o.protocol.subprotocols, handlers, init, o.maxFrameBytes);
    p.socketAt = clock.now();
    return undefined;
  } catch (err) {
    if (stale()) return undefined;
    const error = isStreamClientError(err) ? err : new ConnectionError('CONNECTION_FAILED', `cannot open socket: ${describeError(err)}`, { cause: err });
    return { kind: 'fatal', reason: 'bad-url', error };
  }
}

/**
 * The socket failed before opening, with no HTTP answer, within {@link REFUSED_FAST_MS} of
 * being created: nothing listens there (server down), as opposed to a timeout (unreachable)
 * or an answered rejection (`upgrade:503`, over capacity), which keep the full backoff.
 */
export function refused(p: Connecting, loss: Loss, now: number): boolean {
  return p.transport !== undefined && (loss.reason === 'error' || loss.reason === 'close:1006') && now - p.socketAt < REFUSED_FAST_MS;
}
