import { MAX_TRACKED_TOPICS } from './server-options.js';

/** One published data frame, as kept for resume. */
export interface TopicEntry {
  readonly seq: number;
  /** The encoded `{"op":"data",…}` frame. */
  readonly frame: string;
}

interface TopicState {
  seq: number;
  /** Oldest first; at most `history` entries. */
  readonly kept: TopicEntry[];
}

/**
 * Per-topic sequence numbers (1, 2, 3 …) and the last `history` frames of each topic, so a
 * subscribe with `from` can be answered with everything after it.
 */
export class TopicLog {
  readonly #history: number;
  readonly #topics = new Map<string, TopicState>();

  constructor(history: number) {
    this.#history = history;
  }

  /** Assigns the next seq of `topic`, encodes the data frame and keeps it when history is on. */
  append(topic: string, data: unknown): TopicEntry {
    let state = this.#topics.get(topic);
    if (state === undefined) {
      if (this.#topics.size >= MAX_TRACKED_TOPICS) {
        throw new RangeError(`test server: more than ${MAX_TRACKED_TOPICS} topics published`);
      }
      state = { seq: 0, kept: [] };
      this.#topics.set(topic, state);
    }
    state.seq += 1;
    const entry: TopicEntry = { seq: state.seq, frame: JSON.stringify({ op: 'data', topic, seq: state.seq, data }) };
    if (this.#history > 0) {
      state.kept.push(entry);
      if (state.kept.length > this.#history) state.kept.shift();
    }
    return entry;
  }

  /** Kept frames of `topic` with `seq > from`, oldest first. */
  since(topic: string, from: number): readonly TopicEntry[] {
    const kept = this.#topics.get(topic)?.kept;
    if (kept === undefined || kept.length === 0) return [];
    return kept.filter((e) => e.seq > from);
  }

  /** The last seq assigned to `topic`; 0 before the first publish. */
  lastSeq(topic: string): number {
    return this.#topics.get(topic)?.seq ?? 0;
  }
}
