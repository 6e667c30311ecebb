import { headerRecord, type HeadersOption, type ResolvedNetwork, type TlsOptions } from '../connection/network.js';
import { isNodeRuntime } from '../platform/runtime.js';
import { fn, invalid, obj } from './validate.js';

export type { HeadersOption, TlsMaterial, TlsOptions } from '../connection/network.js';

/** The options of this module, as `StreamClientOptions` declares them. */
export interface NetworkOptionsInput {
  headers?: HeadersOption;
  tls?: TlsOptions;
  agent?: object | false;
  WebSocket?: unknown;
  url?: unknown;
}

const TLS_KEYS: ReadonlySet<string> = new Set(['ca', 'cert', 'key', 'servername', 'rejectUnauthorized']);

/**
 * Validate `headers`, `tls` and `agent`. Browsers (and a native WHATWG `WebSocket` in Node)
 * own headers, TLS and proxies and take none of them: there these options are an
 * `INVALID_OPTIONS` error, not a silent no-op.
 */
export function resolveNetworkOptions(o: NetworkOptionsInput): ResolvedNetwork | undefined {
  const given = (['headers', 'tls', 'agent'] as const).filter((k) => o[k] !== undefined);
  if (given.length > 0) {
    const first = given[0]!;
    if (!isNodeRuntime()) invalid(first, 'is not supported in browsers: the browser owns headers, TLS and proxies (carry the token in `url`)');
    const native = (globalThis as { WebSocket?: unknown }).WebSocket;
    if (native !== undefined && o.WebSocket === native) invalid(first, 'needs the `ws` package: the native WebSocket takes no headers, TLS or agent');
  }
  if (o.headers !== undefined && typeof o.headers !== 'function') headerRecord('headers', o.headers);
  let tls: TlsOptions | undefined;
  if (o.tls !== undefined) {
    tls = obj('tls', o.tls) as TlsOptions;
    for (const k of Object.keys(tls)) if (!TLS_KEYS.has(k)) invalid(`tls.${k}`, `is not a TLS option (one of ${[...TLS_KEYS].join(', ')})`);
    for (const k of ['ca', 'cert', 'key'] as const) if (tls[k] !== undefined) material(`tls.${k}`, tls[k]);
    if (tls.servername !== undefined && (typeof tls.servername !== 'string' || tls.servername === ''))
      invalid('tls.servername', 'must be a non-empty string', tls.servername);
    if (tls.rejectUnauthorized !== undefined && typeof tls.rejectUnauthorized !== 'boolean')
      invalid('tls.rejectUnauthorized', 'must be a boolean', tls.rejectUnauthorized);
    if ((tls.cert === undefined) !== (tls.key === undefined))
      invalid(tls.cert === undefined ? 'tls.cert' : 'tls.key', 'must be given together with ' + (tls.cert === undefined ? 'tls.key' : 'tls.cert'));
    // ws ignores TLS settings on a plain ws:// socket: say so instead of connecting unencrypted.
    if (typeof o.url === 'string' && /^ws:/i.test(o.url)) invalid('tls', 'applies to wss:// URLs only (url is ws://)');
    tls = Object.freeze({ ...tls });
  }
  if (o.agent !== undefined && o.agent !== false) {
    const a = obj('agent', o.agent);
    // An http.Agent: ws hands it to http.request, which calls addRequest (agent-base's too).
    fn('agent.addRequest', a['addRequest']);
  }
  if (o.headers === undefined && tls === undefined && o.agent === undefined) return undefined;
  return { headers: o.headers, tls, agent: o.agent };
}

function material(option: string, v: unknown): void {
  const one = (x: unknown): boolean => typeof x === 'string' || x instanceof Uint8Array;
  if (!(one(v) || (Array.isArray(v) && v.length > 0 && v.every(one)))) invalid(option, 'must be PEM text or bytes, or a non-empty array of them', v);
}
