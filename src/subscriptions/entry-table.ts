/** The registry's entry table: the key map and the copy-on-write topic lists, kept in step. */
import { ClosedError } from '../core/errors.js';
import { lastDataAt, type Entry } from './entry.js';
import type { FallbackPoller } from './fallback.js';
import type { EntryInfo } from './types.js';

/** Entries by key, and the same entries by topic (a dispatch loop keeps its snapshot of a list). */
export type ByKey = Map<string, Entry>;
export type ByTopic = Map<string, readonly Entry[]>;

/** Add a new entry under its key and its topic. */
export function insertEntry(entries: ByKey, byTopic: ByTopic, e: Entry): void {
  entries.set(e.key, e);
  byTopic.set(e.topic, (byTopic.get(e.topic) ?? []).concat(e)); // concat: exact length (a spread reserves 17 slots)
}

/** Remove an entry from both maps and mark it closed; a topic with no entry left is deleted. */
export function removeEntry(entries: ByKey, byTopic: ByTopic, e: Entry): void {
  e.closed = true;
  entries.delete(e.key);
  const rest = (byTopic.get(e.topic) ?? []).filter((x) => x !== e);
  if (rest.length > 0) byTopic.set(e.topic, rest);
  else byTopic.delete(e.topic);
}

/** Close every entry and its handles (pending `ready`s reject with `CLOSED`), then empty both maps. */
export function closeEntries(entries: ByKey | undefined, byTopic: ByTopic | undefined): void {
  if (entries === undefined) return;
  for (const e of entries.values()) {
    e.closed = true;
    for (const h of e.handles) {
      h.closed = true;
      h.settleReady(new ClosedError('client is closed'));
    }
  }
  entries.clear();
  byTopic?.clear();
}

/** One entry's record for `health()` and diagnostics. */
export function entryInfo(e: Entry, fallback: FallbackPoller | undefined): EntryInfo {
  const { key, topic, state, lastSeq } = e;
  return { key, topic, state, handles: e.handles.length, lastDataAt: lastDataAt(e), lastSeq, fallback: fallback?.has(e) ?? false };
}
