import type { TaskRegistry } from '../core/tasks.js';
import type { Counters } from '../observe/counters.js';
import type { Log } from '../observe/log.js';
import type { View } from './view.js';
import type { ViewHost, ViewOptions } from './view-options.js';

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
