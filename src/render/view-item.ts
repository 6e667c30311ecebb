/** A view's dedupe point: selected state -> normalized item and its key, or nothing when it equals the latest. */
import { canonical, sameCanonical } from './key.js';
import { normalize, type CompiledPrecision, type Normalized } from './precision.js';
import type { DataSource } from './view-options.js';

/** One state on its way to the screen, keyed by what it looks like. */
export interface Item<S> {
  readonly key: string;
  readonly state: Normalized<S>;
  readonly stale: boolean;
  readonly source: DataSource;
}

/**
 * The item for `state` under `precision` (its key starts with `prefix`), or undefined when it
 * looks like `latest` (a skip). Throws what `normalize` and `canonical` throw.
 */
export function itemOf<S extends object>(
  state: S,
  precision: CompiledPrecision,
  prefix: string,
  stale: boolean,
  source: DataSource,
  latest: Item<S> | undefined,
): Item<S> | undefined {
  const normalized = normalize(state, precision);
  // Most ticks are noise below the precision: compare before serializing (no allocation).
  if (latest !== undefined && latest.stale === stale && latest.source === source && sameCanonical(normalized, latest.state)) return undefined;
  const key = `${prefix}|${canonical(normalized)}|${stale ? 'stale' : 'live'}|${source}`;
  return key === latest?.key ? undefined : { key, state: normalized, stale, source };
}
