/** Keys whose values are secrets wherever they appear in a log record. */
const SECRET_KEY = /token|secret|password|passwd|authorization|approval_?key|appkey|api_?key|cookie/i;
export const REDACTED = '[redacted]';
/** Shorter values are not scrubbed by value: they would mangle unrelated text. */
const MIN_SECRET_LENGTH = 6;
/** Bound on remembered secret values (the current token and a few predecessors). */
const MAX_SECRETS = 8;

/**
 * Removes secrets from log records and messages, by key name and by value. The auth part
 * registers every token it obtains, so a token echoed inside a server's error message or a
 * URL is scrubbed too.
 */
export class Redactor {
  /** Made on the first secret: a client without auth has none. */
  #secrets: string[] | undefined;

  /** Remember a secret value so it is scrubbed wherever it appears. */
  add(secret: string | undefined): void {
    if (!secret || secret.length < MIN_SECRET_LENGTH || this.#secrets?.includes(secret)) return;
    const secrets = (this.#secrets ??= []);
    secrets.push(secret);
    if (secrets.length > MAX_SECRETS) secrets.shift();
  }

  /** Replace every known secret value in `text`. */
  scrub(text: string): string {
    let out = text;
    for (const s of this.#secrets ?? []) if (out.includes(s)) out = out.split(s).join(REDACTED);
    return out;
  }

  /** A redacted copy of a record: secret keys masked, strings scrubbed, errors summarized. */
  record(value: unknown, depth = 0): unknown {
    if (typeof value === 'string') return this.scrub(value);
    if (value === null || typeof value !== 'object') return value;
    if (depth > 4) return '[depth]';
    if (value instanceof Error) return this.error(value);
    if (Array.isArray(value)) return value.map((v) => this.record(v, depth + 1));
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      out[k] = SECRET_KEY.test(k) && v !== undefined ? REDACTED : this.record(v, depth + 1);
    }
    return out;
  }

  /** An error as a small, secret-free object for a log record. */
  error(err: Error): Record<string, unknown> {
    const code = (err as { code?: unknown }).code;
    return {
      type: err.name,
      message: this.scrub(err.message),
      ...(code === undefined ? {} : { code }),
      ...(err.cause instanceof Error ? { cause: this.error(err.cause) } : {}),
    };
  }
}
