import { Redactor } from './redact.js';

/** One level of a {@link Logger}: pino's `(mergingObject, message?)` signature. */
export type LogFn = (obj: object, msg?: string) => void;

/**
 * Any pino-compatible logger (pino itself, or `console`-like objects with these methods). Every
 * record is one object `{ event, ...fields }` with secrets redacted; the message is optional.
 */
export interface Logger {
  /** Diagnostics: frames decoded, timers armed. Never on the per-message path at a higher level. */
  debug: LogFn;
  /** State changes a user would notice: connected, subscribed, recovered. */
  info: LogFn;
  /** Trouble the client recovers from: a decode error, a stale topic, a failed token refresh. */
  warn: LogFn;
  /** Trouble it does not recover from, and user callbacks that threw. */
  error: LogFn;
  /** Optional: lets the client skip building a record for a disabled level (pino has it). */
  isLevelEnabled?(level: string): boolean;
}

/** The default: drops everything at no cost. */
export const silentLogger: Logger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
  isLevelEnabled: () => false,
};

/** Stable `event` names of the log records steadystream writes. */
export type LogEvent =
  | 'connection.state'
  | 'connection.error'
  | 'connection.heartbeat'
  | 'decode.error'
  | 'auth.refresh.ok'
  | 'auth.refresh.fail'
  | 'auth.rejected'
  | 'auth.reauth'
  | 'subscription.state'
  | 'subscription.gap'
  | 'subscription.reset'
  | 'stale.enter'
  | 'stale.recover'
  | 'stale.resubscribe'
  | 'fallback.start'
  | 'fallback.stop'
  | 'fallback.error'
  | 'render.evict'
  | 'render.error'
  | 'outbox.overflow'
  | 'callback.error';

type Level = 'debug' | 'info' | 'warn' | 'error';

/**
 * Writes one structured record per call: `{ event, ...fields }`, redacted. Level checks come
 * first so a disabled level costs a comparison, not an object.
 */
export class Log {
  readonly #logger: Logger;
  #redactor: Redactor | undefined;

  constructor(logger: Logger, redactor?: Redactor) {
    this.#logger = logger;
    this.#redactor = redactor;
  }

  /** The redactor of this log's records; made on first use (a silent client may never need it). */
  get redactor(): Redactor {
    return (this.#redactor ??= new Redactor());
  }

  enabled(level: Level): boolean {
    return this.#logger.isLevelEnabled ? this.#logger.isLevelEnabled(level) : true;
  }

  debug(event: LogEvent, fields?: object, msg?: string): void {
    if (this.enabled('debug')) this.#write('debug', event, fields, msg);
  }
  info(event: LogEvent, fields?: object, msg?: string): void {
    if (this.enabled('info')) this.#write('info', event, fields, msg);
  }
  warn(event: LogEvent, fields?: object, msg?: string): void {
    if (this.enabled('warn')) this.#write('warn', event, fields, msg);
  }
  error(event: LogEvent, fields?: object, msg?: string): void {
    if (this.enabled('error')) this.#write('error', event, fields, msg);
  }

  #write(level: Level, event: LogEvent, fields: object | undefined, msg: string | undefined): void {
    try {
      const record = { event, ...(fields ? (this.redactor.record(fields) as object) : {}) };
      this.#logger[level](record, msg === undefined ? event : this.redactor.scrub(msg));
    } catch {
      // A broken logger or an unreadable field (a throwing getter) must never break the connection.
    }
  }
}
