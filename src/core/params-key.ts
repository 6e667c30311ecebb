import { StreamClientError } from './errors.js';

/**
 * Subscription identity: topic plus params compared as the JSON the server receives. The one
 * definition, used by the registry (which subscriptions share a server subscription) and by
 * views (whether new params move a view). Pure functions, property-tested.
 */

/** Bound on params nesting: deeper values are refused rather than walked. */
const MAX_DEPTH = 32;

/**
 * Canonical JSON: `JSON.stringify` semantics (toJSON, undefined and functions dropped from
 * objects, `null` in arrays, non-finite numbers as `null`, `-0` as `0`), with object keys
 * sorted at every level so `{ a: 1, b: 2 }` and `{ b: 2, a: 1 }` are the same text.
 * Throws `TypeError` for cycles, BigInt and nesting deeper than 32.
 */
export function canonicalJson(value: unknown): string {
  const out = encode(value, [], false);
  return out === undefined ? 'null' : out;
}

function encode(value: unknown, stack: object[], inArray: boolean): string | undefined {
  if (value !== null && typeof value === 'object' && typeof (value as { toJSON?: unknown }).toJSON === 'function') {
    value = (value as { toJSON(): unknown }).toJSON();
  }
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return JSON.stringify(value);
    case 'number':
      return Number.isFinite(value) ? JSON.stringify(value) : 'null';
    case 'bigint':
      throw new TypeError('params must be JSON-serializable (BigInt found)');
    case 'undefined':
    case 'function':
    case 'symbol':
      return inArray ? 'null' : undefined;
  }
  if (value === null) return 'null';
  const obj = value as object;
  if (stack.includes(obj)) throw new TypeError('params must be JSON-serializable (cycle found)');
  if (stack.length >= MAX_DEPTH) throw new TypeError(`params nest deeper than ${MAX_DEPTH} levels`);
  stack.push(obj);
  let text: string;
  if (Array.isArray(obj)) {
    text = `[${obj.map((v: unknown) => encode(v, stack, true) as string).join(',')}]`;
  } else {
    const parts: string[] = [];
    for (const k of Object.keys(obj).sort()) {
      const v = encode((obj as Record<string, unknown>)[k], stack, false);
      if (v !== undefined) parts.push(`${JSON.stringify(k)}:${v}`);
    }
    text = `{${parts.join(',')}}`;
  }
  stack.pop();
  return text;
}

/**
 * The registry key of a subscription: the topic itself when there are no params, otherwise
 * `topic?canonicalJson(params)`. Equal keys share one server subscription, so params equal as
 * JSON are the same subscription: `{ x: 1, y: undefined }` is `{ x: 1 }`, a `Date` is its ISO
 * string, `NaN` is `null`, key order is ignored. (A topic that itself contains `?` followed by
 * JSON could alias a topic-with-params; topics are names, not URLs, so this is documented
 * rather than escaped.) Params `canonicalJson` refuses are `INVALID_OPTIONS` naming `params`.
 */
export function subscriptionKey(topic: string, params: unknown): string {
  if (params === undefined) return topic;
  try {
    return `${topic}?${canonicalJson(params)}`;
  } catch (err) {
    throw new StreamClientError('INVALID_OPTIONS', `subscribe: ${(err as Error).message}`, { details: { option: 'params' }, cause: err });
  }
}

/**
 * The params a subscription sends, read back from its key: a snapshot, so a caller mutating
 * its params object later does not change what a resubscribe sends.
 */
export function paramsOfKey(topic: string, key: string): unknown {
  return key.length === topic.length ? undefined : (JSON.parse(key.slice(topic.length + 1)) as unknown);
}

/** Whether two params are the same subscription (see `subscriptionKey`); unkeyable params are never the same. */
export function sameParams(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  try {
    return subscriptionKey('', a) === subscriptionKey('', b);
  } catch {
    return false;
  }
}
