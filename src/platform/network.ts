/** The `online`/`offline` events of a browser's global scope (window or worker). */
interface NetworkTarget {
  addEventListener(type: 'online' | 'offline', fn: () => void): void;
  removeEventListener(type: 'online' | 'offline', fn: () => void): void;
}

export interface NetworkHandlers {
  online(): void;
  /** Absent: `offline` is not listened to (`offlineAware: false`). */
  offline?: (() => void) | undefined;
}

function target(): NetworkTarget | undefined {
  const g = globalThis as Partial<NetworkTarget>;
  return typeof g.addEventListener === 'function' && typeof g.removeEventListener === 'function' ? (g as NetworkTarget) : undefined;
}

/** True where the runtime reports its network state (browsers, workers): the default of `offlineAware`. */
export function reportsNetwork(): boolean {
  const nav = (globalThis as { navigator?: { onLine?: unknown } }).navigator;
  return target() !== undefined && typeof nav?.onLine === 'boolean';
}

/**
 * Listen to the global scope's `online` (and `offline`) events. Returns the remover, or
 * `undefined` where the runtime has no such events (Node): nothing is registered then.
 */
export function watchNetwork(h: NetworkHandlers): (() => void) | undefined {
  const t = target();
  if (!t) return undefined;
  const online = (): void => h.online();
  const offline = h.offline && ((): void => h.offline!());
  t.addEventListener('online', online);
  if (offline) t.addEventListener('offline', offline);
  return () => {
    t.removeEventListener('online', online);
    if (offline) t.removeEventListener('offline', offline);
  };
}
