import { ATTACH_VIEWS, type MakeViews, type Views, type ViewsHost } from './views-slot.js';
import { RenderCache } from './cache.js';
import { View } from './view.js';

/**
 * Attach the render part to a client: `client.view()` works from then on, and the returned
 * object's `view()` is the same. Idempotent per client; the views close with the client.
 * Kept out of `StreamClient` so an app that never renders bundles no render code (nor lru-cache).
 * @example
 * import { createViews } from 'steadystream/render';
 * const views = createViews(client);
 * views.view('btc', { topic: 'ticker:BTC', select: (d) => d, render: (s) => `${s.price}`, onRender: show });
 */
export function createViews(client: ViewsAttachable): Views {
  return client[ATTACH_VIEWS](clientViews);
}

/** A `StreamClient`, seen through the one slot the render part uses (no import of the client). */
export interface ViewsAttachable {
  /** Attaches the views `make` builds, once per client, and returns them. */
  [ATTACH_VIEWS](make: MakeViews): Views;
}

function clientViews(c: ViewsHost): Views {
  const views = new Map<string, View>();
  /** Made on the first view(): lru-cache preallocates for maxEntries, a cost no view-less client pays. */
  let cache: RenderCache | undefined;
  return {
    view(id, options) {
      views.get(id)?.close();
      const view: View = new View(id, options as never, {
        host: c.host,
        cache: (cache ??= new RenderCache(c.render, { counters: c.counters, log: c.log })),
        tasks: c.tasks,
        counters: c.counters,
        log: c.log,
        defaults: c.render,
        onClose: () => {
          if (views.get(id) === view) views.delete(id);
        },
      });
      views.set(id, view);
      return view;
    },
    close() {
      for (const view of [...views.values()]) view.close();
      cache?.clear();
    },
  };
}
