import type { TaskRegistry } from '../core/tasks.js';
import type { Counters } from '../observe/counters.js';
import type { Log } from '../observe/log.js';
import type { View } from '../render/view.js';
import type { ViewHost, ViewOptions } from '../render/view-options.js';

/**
 * Where `createViews` (steadystream/render) attaches to a client. A registered symbol, so a
 * second copy of the package (a CJS and an ESM build side by side) still finds it.
 * @internal
 */
export const ATTACH_VIEWS: unique symbol = Symbol.for('steadystream.attachViews') as never;

/** What the render part gets from its client. @internal */
export interface ClientViewHost {
  readonly host: ViewHost;
  readonly tasks: TaskRegistry;
  readonly counters: Counters;
  readonly log: Log;
  readonly render: { readonly maxBytes: number; readonly maxEntries: number; readonly minIntervalMs: number; readonly renderTimeoutMs: number };
}

/** A client's views: made by `createViews(client)`, closed with the client. */
export interface Views {
  /** A rendered tile bound to a topic. An existing view with the same id is replaced. */
  view<D = unknown, S extends object = Record<string, unknown>, O = unknown>(id: string, options: ViewOptions<D, S, O>): View;
  /** @internal Called by `client.close()`. */
  close(): void;
}
