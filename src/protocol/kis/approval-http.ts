import { parseRetryAfter } from '../../core/retry-after.js';
/** What `kisApprovalKey` reads of a response: the WHATWG `Response` surface it needs, no more. */
export interface KisResponse {
  /** Status 200–299. */
  readonly ok: boolean;
  /** The HTTP status. */
  readonly status: number;
  /** `'opaqueredirect'` when a browser's `fetch` met a redirect under `redirect: 'manual'`. */
  readonly type?: string;
  /** True when the `fetch` in use followed a redirect despite `redirect: 'manual'`; `url` is where it ended. */
  readonly redirected?: boolean;
  /** The final URL (named in the error of a redirect). */
  readonly url?: string;
  /** Response headers (`Retry-After` is read). */
  readonly headers?:
    | {
        /** A header's value, or `null`. */
        get(name: string): string | null;
      }
    | undefined;
  /** Read with a size bound when present; otherwise `text()` is used. */
  readonly body?: ReadableStream<Uint8Array> | null;
  /** The whole body as text (used when `body` is absent). */
  text(): Promise<string>;
}

/** Bound on the approval answer read (a real one is ~60 bytes). */
export const MAX_APPROVAL_BODY_BYTES = 16 * 1024;

/** Thrown by {@link readBounded} when the body exceeds the bound. */
export class BodyTooLarge extends Error {}

/**
 * The body as text, at most `maxBytes`: a hostile endpoint cannot make us buffer megabytes.
 * Rejects with `signal.reason` when the signal aborts, even if the body never ends and the
 * `fetch` in use ignores the signal.
 */
export async function readBounded(res: KisResponse, maxBytes: number, signal: AbortSignal): Promise<string> {
  const reader = res.body?.getReader();
  if (!reader) {
    const text = await untilAborted(res.text(), signal);
    if (text.length > maxBytes) throw new BodyTooLarge();
    return text;
  }
  const decoder = new TextDecoder();
  let size = 0;
  let text = '';
  try {
    for (;;) {
      const { done, value } = await untilAborted(reader.read(), signal);
      if (done) return text + decoder.decode();
      size += value.byteLength;
      if (size > maxBytes) throw new BodyTooLarge();
      text += decoder.decode(value, { stream: true });
    }
  } finally {
    // Ends a body we stopped reading (too large, aborted): the socket is not left streaming into nothing.
    reader.cancel().catch(() => undefined);
  }
}

/** `p`, or a rejection with `signal.reason` as soon as `signal` aborts. */
export function untilAborted<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    p.catch(() => undefined);
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}

/** `Retry-After` (delta seconds or an HTTP date) in ms, bounded; `undefined` when absent or unreadable. */
export function retryAfterMs(res: KisResponse, now: number): number | undefined {
  return parseRetryAfter(res.headers?.get('retry-after'), now);
}

/** The origin a redirect points to (never its path or query, which may carry anything); `'unknown'` when unreadable. */
export function redirectOrigin(res: KisResponse, from: string): string {
  const location = res.headers?.get('location');
  if (!location) return 'unknown';
  try {
    return new URL(location, from).origin;
  } catch {
    return 'unknown';
  }
}
