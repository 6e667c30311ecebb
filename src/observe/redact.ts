import { isStreamClientError } from '../core/errors.js';

/** Keys whose values are secrets wherever they appear in a log record, a `details` or a cause. */
const SECRET_KEY = /token|secret|password|passwd|authorization|approval_?key|appkey|api_?key|cookie/i;
export const REDACTED = '[redacted]';
/** Bound on remembered secret values (the current token and a few predecessors). */
const MAX_SECRETS = 8;
/** Bound on nesting walked in a record or a cause chain: deeper parts are summarized, cycles cut. */
const MAX_DEPTH = 4;
const MAX_CAUSES = 8;
/** `scheme://user:pass@` — credentials in a URL's authority. */
const USERINFO = /(\b[a-z][a-z0-9+.-]*:\/\/)[^\s/?#@"'<>]+@/gi;
/** `?name=value` / `&name=value`: query values are reported as `[redacted]` (a URL may carry a key). */
const QUERY_VALUE = /([?&][^\s=&#?"'<>]+=)[^\s&#"'<>]+/g;

/**
 * Removes secrets from everything that leaves the library — log records, messages, event
 * payloads, errors and their causes — by key name, by value, and from URLs (userinfo and query
 * values). The auth part registers every token it obtains, so a token echoed inside a server's
 * error message or a URL is scrubbed too, whatever its length.
 */
export class Redactor {
  /** Made on the first secret: a client without auth has none. */
  #secrets: string[] | undefined;
  /** One alternation of every secret, longest first: one pass, so a replacement is never rescanned. */
  #pattern: RegExp | undefined;

  /** Remember a secret value so it is scrubbed wherever it appears. The empty string is no secret. */
  add(secret: string | undefined): void {
    if (typeof secret !== 'string' || secret === '' || this.#secrets?.includes(secret)) return;
    const secrets = (this.#secrets ??= []);
    secrets.push(secret);
    if (secrets.length > MAX_SECRETS) secrets.shift();
    const alternatives = [...secrets].sort((a, b) => b.length - a.length).map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
    this.#pattern = new RegExp(alternatives.join('|'), 'g');
  }

  /** Replace every known secret value in `text`, and credentials and query values of URLs in it. */
  scrub(text: string): string {
    let out = this.#pattern ? text.replace(this.#pattern, REDACTED) : text;
    if (out.includes('@')) out = out.replace(USERINFO, `$1${REDACTED}@`);
    if (out.includes('=')) out = out.replace(QUERY_VALUE, `$1${REDACTED}`);
    return out;
  }

  /** A redacted copy of a record: secret keys masked, strings scrubbed, errors summarized, cycles cut. */
  record(value: unknown, depth = 0, seen: object[] = []): unknown {
    if (typeof value === 'string') return this.scrub(value);
    if (value === null || typeof value !== 'object') return value;
    if (value instanceof Error) return this.error(value);
    if (seen.includes(value)) return '[circular]';
    if (depth > MAX_DEPTH) return '[depth]';
    seen.push(value);
    try {
      if (Array.isArray(value)) return value.map((v) => this.record(v, depth + 1, seen));
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) {
        out[k] = SECRET_KEY.test(k) && v !== undefined && v !== null ? REDACTED : this.record(v, depth + 1, seen);
      }
      return out;
    } finally {
      seen.pop();
    }
  }

  /** An error as a small, secret-free object for a log record: type, message, code, causes. */
  error(err: Error, depth = 0): Record<string, unknown> {
    const code = (err as { code?: unknown }).code;
    const cause = err.cause;
    return {
      type: err.name,
      message: this.scrub(String(err.message)),
      ...(code === undefined ? {} : { code }),
      ...(cause instanceof Error ? { cause: depth < MAX_CAUSES && cause !== err ? this.error(cause, depth + 1) : '[depth]' } : {}),
    };
  }

  /**
   * Make an error of ours safe to hand to the application (event, rejection, callback): its
   * message, stack and `details` are scrubbed in place, and a cause that carries a secret — in
   * its text or its fields, at any depth of the chain — is replaced by a scrubbed copy that
   * keeps its name, `code` and `status`. A clean foreign cause is kept as is (same object).
   */
  exposed<E extends Error>(err: E): E {
    this.#scrubOwn(err);
    const e = err as { cause?: unknown };
    if (e.cause !== undefined) e.cause = this.#cause(e.cause, 1, [err]);
    return err;
  }

  #scrubOwn(err: Error): void {
    err.message = this.scrub(String(err.message));
    if (typeof err.stack === 'string') err.stack = this.scrub(err.stack);
    const details = (err as { details?: unknown }).details;
    if (details !== undefined && details !== null) (err as { details?: unknown }).details = this.record(details);
  }

  #cause(cause: unknown, depth: number, chain: unknown[]): unknown {
    if (typeof cause === 'string') return this.scrub(cause);
    if (cause === null || typeof cause !== 'object') return cause;
    if (depth > MAX_CAUSES || chain.includes(cause)) return '[circular]';
    if (!(cause instanceof Error)) return this.#tainted(cause) ? this.record(cause) : cause;
    const inner = cause.cause === undefined ? undefined : this.#cause(cause.cause, depth + 1, [...chain, cause]);
    if (isStreamClientError(cause)) {
      // Ours: scrubbed in place, like the error that carries it.
      this.#scrubOwn(cause);
      if (inner !== undefined) (cause as { cause?: unknown }).cause = inner;
      return cause;
    }
    if (inner === cause.cause && !this.#tainted(cause)) return cause;
    const copy = new Error(this.scrub(String(cause.message)), inner === undefined ? undefined : { cause: inner });
    copy.name = cause.name;
    copy.stack = this.scrub(String(cause.stack ?? `${cause.name}: ${cause.message}`));
    for (const field of ['code', 'status', 'statusCode', 'errno'] as const) {
      const v = (cause as unknown as Record<string, unknown>)[field];
      if (typeof v === 'number' || typeof v === 'string') (copy as unknown as Record<string, unknown>)[field] = typeof v === 'string' ? this.scrub(v) : v;
    }
    return copy;
  }

  /**
   * Whether the object's text or fields (own, enumerable, cycles cut) hold a secret. Fields nested
   * deeper than the bound are not examined, so they count as tainted: the cause is then replaced.
   */
  #tainted(value: object, depth = 0, seen: object[] = []): boolean {
    // Read on any object: an Error of another realm (vm, iframe) is no `instanceof Error`, and its
    // message and stack are not enumerable fields.
    const { message, stack } = value as { message?: unknown; stack?: unknown };
    const text = `${String(message ?? '')}\n${String(stack ?? '')}`;
    if (this.scrub(text) !== text) return true;
    if (seen.includes(value)) return false;
    if (depth > MAX_DEPTH) return true;
    seen.push(value);
    for (const [k, v] of Object.entries(value)) {
      if (SECRET_KEY.test(k) && v !== undefined && v !== null) return true;
      if (typeof v === 'string' ? this.scrub(v) !== v : typeof v === 'object' && v !== null && this.#tainted(v, depth + 1, seen)) return true;
    }
    return false;
  }
}
