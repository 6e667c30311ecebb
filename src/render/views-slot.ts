import type { TaskRegistry } from '../core/tasks.js';
import type { Counters } from '../observe/counters.js';
import type { Log } from '../observe/log.js';
import type { View } from './view.js';
import type { ViewHost, ViewOptions } from './view-options.js';

export { ATTACH_VIEWS } from '../core/attach-views.js';

/** What the render part gets from its client. */
export interface ViewsHost {
  readonly host: ViewHost;
  readonly tasks: TaskRegistry;
  readonly counters: Counters;
  readonly log: Log;
  readonly render: { readonly maxBytes: number; readonly maxEntries: number; readonly minIntervalMs: number; readonly renderTimeoutMs: number };
}

/**
 * Builds a client's views from the parts the client hands over (a `ViewsHost`, render's own type).
 * The parameter is `never` here so that the client's public declaration names none of its parts;
 * `createViews` passes a function of a `ViewsHost`, which this type accepts.
 */
export type MakeViews = (host: never) => Views;

/** A client's views: made by `createViews(client)`, closed with the client. */
export interface Views {
  /** A rendered tile bound to a topic. An existing view with the same id is replaced. */
  view<D = unknown, S extends object = Record<string, unknown>, O = unknown>(id: string, options: ViewOptions<D, S, O>): View;
  /** Close every view and drop the render cache; `client.close()` does this. */
  close(): void;
}
