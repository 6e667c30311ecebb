import { StreamClientError, describeError, isStreamClientError } from '../core/errors.js';
import type { TaskRegistry } from '../core/tasks.js';
import type { Counters } from '../observe/counters.js';
import type { Log } from '../observe/log.js';
import type { RenderCache, SizeOf } from './cache.js';
import { MAX_TIMER_MS } from '../core/clock.js';
import { identityTag } from './key.js';
import type { Normalized, PrecisionMap } from './precision.js';

/** Where data came from: the socket, or `fallback.fetch` while the topic was stale. */
export type DataSource = 'stream' | 'fallback';
/** What the host passes with each data callback. */
export interface ViewDataMeta {
  readonly source: DataSource;
  /** When given, sets the view's stale flag (e.g. fallback data served while stale). */
  readonly stale?: boolean;
}
export interface ViewHooks {
  onStale?(info: unknown): void;
  onRecover?(info: unknown): void;
}
/** The part of the client a view needs: a subscription with data and stale hooks. */
export interface ViewHost {
  subscribe(topic: string, params: unknown, onData: (data: unknown, meta: ViewDataMeta) => void, hooks: ViewHooks): { unsubscribe(): void };
}

/** The state `render` receives: normalized, plus how fresh it is. */
export type RenderState<S> = Normalized<S> & {
  /** True while the topic is stale (the last data is old, or came from the fallback). */
  readonly stale: boolean;
  /** Where the state's latest data came from. */
  readonly source: DataSource;
};

/** Passed to `onRender` with each output. */
export interface RenderInfo {
  /** `'hit'`: reused from the cache (or shared with another view's render in flight). */
  readonly cache: 'hit' | 'miss';
  /** Whether the rendered state was stale. */
  readonly stale: boolean;
  /** The semantic key of the rendered state. */
  readonly key: string;
  /** The `id` given to `client.view(id, …)`. */
  readonly viewId: string;
}

/** A rendered tile bound to a topic. */
export interface ViewOptions<D, S, O> {
  /** The topic to subscribe to; `update({ topic })` moves the view. */
  topic: string;
  /** Subscription parameters, passed to the protocol. @default undefined */
  params?: unknown;
  /** Stream data -> view state; `prev` is the previous state (undefined after a move). */
  select(data: D, prev: S | undefined): S;
  /** Rounding policy that defines "visibly equal". @default {} (no rounding) */
  precision?: PrecisionMap;
  /** The expensive part: called only on a cache miss, with the normalized state only. */
  render(state: RenderState<S>): O | Promise<O>;
  /** Receives each output to show. */
  onRender(output: O, info: RenderInfo): void;
  /** Minimum time between two renders of this view; bursts coalesce. @default client `render.minIntervalMs` (50) */
  minIntervalMs?: number;
  /**
   * Bound on one async render. A render not settled by then is reported to `onError`
   * (`RENDER_FAILED`, counted in `callbackErrors`) and abandoned: its late result is not shown,
   * and the newest state renders next. (At most one render of a view is in flight.)
   * @default client `render.renderTimeoutMs` (10_000)
   */
  renderTimeoutMs?: number;
  /**
   * Template / theme version: everything `render` reads besides its argument. Views with equal
   * render keys share cached outputs; bump it when the template changes.
   * @default the identity of the `render` function (views sharing one function share outputs)
   */
  renderKey?: string;
  /**
   * Bytes of one output, for the cache budget. Required when outputs hold anything the
   * built-in measure cannot size (a `Map`, `Set`, class instance, function, DOM node…): the
   * first such render is then reported to `onError` as `INVALID_OPTIONS` (option
   * `view.sizeOf`), nothing is shown or cached, and the view renders again only after an
   * `update()` of `sizeOf`, `render` or `renderKey`.
   * @default strings 2 bytes per unit, buffers their backing store, plain objects, arrays and
   * dates walked (past 100,000 values: not cached)
   */
  sizeOf?(output: O): number;
  /** Called with a `RENDER_FAILED` error when a callback of this view throws. @default none (logged and counted) */
  onError?(err: unknown): void;
}

export interface ViewDeps {
  host: ViewHost;
  cache: RenderCache;
  tasks: TaskRegistry;
  counters: Counters;
  log: Log;
  /** The client's `render.minIntervalMs` and `render.renderTimeoutMs`: what a view that sets neither uses. */
  defaults: { readonly minIntervalMs: number; readonly renderTimeoutMs: number };
  /** Called once when the view closes (the client forgets it). */
  onClose?: () => void;
}

function invalid(option: string, rule: string): never {
  throw new StreamClientError('INVALID_OPTIONS', `view.${option} ${rule}`, { details: { option: `view.${option}` } });
}

/** Throws `INVALID_OPTIONS` naming the option (`view.select must be a function`). */
export function validateViewOptions(o: ViewOptions<unknown, unknown, unknown>): void {
  if (typeof o.topic !== 'string' || o.topic === '') invalid('topic', 'must be a non-empty string');
  for (const k of ['select', 'render', 'onRender'] as const) if (typeof o[k] !== 'function') invalid(k, 'must be a function');
  for (const k of ['sizeOf', 'onError'] as const) if (o[k] !== undefined && typeof o[k] !== 'function') invalid(k, 'must be a function');
  if (o.renderKey !== undefined && typeof o.renderKey !== 'string') invalid('renderKey', 'must be a string');
  const ms = o.minIntervalMs;
  if (ms !== undefined && (typeof ms !== 'number' || !(ms >= 0 && ms <= MAX_TIMER_MS)))
    invalid('minIntervalMs', `must be a number of ms in [0, ${MAX_TIMER_MS}]`);
  const t = o.renderTimeoutMs;
  if (t !== undefined && (typeof t !== 'number' || !(t >= 1 && t <= MAX_TIMER_MS)))
    invalid('renderTimeoutMs', `must be a number of ms in [1, ${MAX_TIMER_MS}]`);
}

/** The key prefix of a view's template: its renderKey, else its render function's identity. */
export function prefixOf<D, S, O>(o: ViewOptions<D, S, O>): string {
  // Quoted user keys and `#id` function identities can never collide.
  return o.renderKey === undefined ? identityTag(o.render) : JSON.stringify(o.renderKey);
}

/** The view's `sizeOf`, bound to its options object. */
export function boundSizeOf<D, S, O>(o: ViewOptions<D, S, O>): SizeOf<O> | undefined {
  const sizeOf = o.sizeOf;
  return sizeOf === undefined ? undefined : (output) => sizeOf.call(o, output);
}

/** Params equal as the registry keys them, so a fresh but equal literal does not move a view. */
export { sameParams } from '../core/params-key.js';

/** True for the cache's error about an output only a `sizeOf` can measure. */
export function needsSizeOf(err: unknown): err is StreamClientError {
  return isStreamClientError(err, 'INVALID_OPTIONS') && err.details?.option === 'view.sizeOf';
}

/** A render that did not settle within `timeoutMs`: reported as is by `reportViewError`. */
export function renderTimeoutError(viewId: string, timeoutMs: number): StreamClientError {
  const details = { viewId, stage: 'render', timeoutMs };
  return new StreamClientError('RENDER_FAILED', `view ${viewId}: render did not settle within ${timeoutMs} ms`, { details });
}

/** Where in a view's pipeline a user callback threw. */
export type ViewStage = 'select' | 'normalize' | 'render' | 'onRender' | 'unsubscribe';

/**
 * Isolate a user callback that threw: count it (`callbackErrors`), log `render.error` (render)
 * or `callback.error` (anything else) at warn, and pass a `RENDER_FAILED` error to `onError`.
 */
export function reportViewError(
  deps: Pick<ViewDeps, 'counters' | 'log'>,
  o: Pick<ViewOptions<never, never, never>, 'topic' | 'onError'>,
  viewId: string,
  stage: ViewStage,
  err: unknown,
): void {
  deps.counters.callbackErrors++;
  const error = err instanceof Error ? err : describeError(err);
  deps.log.warn(stage === 'render' ? 'render.error' : 'callback.error', { viewId, topic: o.topic, stage, error });
  const onError = o.onError;
  if (!onError) return;
  const reported = needsSizeOf(err)
    ? new StreamClientError('INVALID_OPTIONS', `view ${viewId}: ${err.message}`, { details: { ...err.details, viewId } })
    : isStreamClientError(err, 'RENDER_FAILED') && err.details?.viewId === viewId
      ? err // the view's own report (a render timeout)
      : new StreamClientError('RENDER_FAILED', `view ${viewId}: ${stage} threw: ${describeError(err)}`, { cause: err, details: { viewId, stage } });
  try {
    onError.call(o, reported);
  } catch {
    // An error handler that throws has nowhere left to report to.
  }
}
