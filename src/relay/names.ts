import { StreamClientError } from '../core/errors.js';

/** Header carrying the leader's lease revision (its term): consumers drop frames of an older term. */
export const HDR_EPOCH = 'Relay-Epoch';
/** Header carrying the consumer-visible position of a frame. */
export const HDR_SEQ = 'Relay-Seq';
/** Present (`1`) when `Relay-Seq` is the upstream's own position, so a new leader may resume from it. */
export const HDR_UPSTREAM = 'Relay-Upstream';

/** The lease key in the lease bucket. */
export const LEADER_KEY = 'leader';
/** Interest keys: `i.<topic token>.<consumer id>`. */
export const INTEREST_PREFIX = 'i.';
/** Refusals: `r.<topic token>` holds `{ code, message }` for a topic the upstream refused. */
export const REFUSED_PREFIX = 'r.';

const FEED = /^[A-Za-z0-9_-]{1,64}$/;
/** A subject token: no separator, wildcard or whitespace. */
const TOKEN = /^[^\s.*>]+$/;

/** Throws `INVALID_OPTIONS` unless `feed` can name a stream, its buckets and its subjects. */
export function checkFeed(feed: unknown): string {
  if (typeof feed !== 'string' || !FEED.test(feed)) {
    throw new StreamClientError('INVALID_OPTIONS', 'feed must be 1-64 characters of A-Z, a-z, 0-9, _ or -', { details: { option: 'feed' } });
  }
  return feed;
}

/** Whether `topic` can be one subject token (`<feed>.<topic>`). */
export function isTopicToken(topic: string): boolean {
  return topic.length > 0 && topic.length <= 256 && TOKEN.test(topic);
}

export const streamName = (feed: string): string => feed;
export const subjectOf = (feed: string, topic: string): string => `${feed}.${topic}`;
export const leaseBucket = (feed: string): string => `${feed}-relay-lease`;
export const interestBucket = (feed: string): string => `${feed}-relay-interest`;

/** A topic as a KV key token (`[A-Za-z0-9_-]` kept, anything else `=XX` per UTF-8 byte): reversible. */
export function keyToken(topic: string): string {
  let out = '';
  for (const byte of Buffer.from(topic, 'utf8')) {
    const c = String.fromCharCode(byte);
    out += /[A-Za-z0-9_-]/.test(c) ? c : `=${byte.toString(16).padStart(2, '0')}`;
  }
  return out;
}

export function topicOfToken(token: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < token.length; i++) {
    if (token[i] === '=') {
      bytes.push(Number.parseInt(token.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(token.charCodeAt(i));
  }
  return Buffer.from(bytes).toString('utf8');
}
