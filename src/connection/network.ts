import { StreamClientError } from '../core/errors.js';

/** Header values for the WebSocket upgrade request, or a function of the current token. */
export type HeadersOption = Readonly<Record<string, string>> | ((ctx: { token?: string }) => Readonly<Record<string, string>>);

/** PEM text or DER bytes, one or several. */
export type TlsMaterial = string | Uint8Array | ReadonlyArray<string | Uint8Array>;

/**
 * TLS settings of the socket (Node only), as `tls.connect` takes them. A certificate the
 * client cannot verify ends in state `failed` with a `TLS_ERROR` (its `details.reason` says
 * why); it is never retried in a loop.
 */
export interface TlsOptions {
  /** Trusted CA certificates (a private CA). Replaces the system store for this socket. @default the system store */
  ca?: TlsMaterial;
  /** Client certificate (mutual TLS). @default undefined */
  cert?: TlsMaterial;
  /** Client private key (mutual TLS). A secret: never logged. @default undefined */
  key?: TlsMaterial;
  /** Name sent as SNI and checked against the server certificate. @default the URL's host */
  servername?: string;
  /** `false` accepts any certificate: tests only, never production. @default true */
  rejectUnauthorized?: boolean;
}

/**
 * What the Node socket needs besides the URL; `undefined` when nothing is configured. Header
 * values, the TLS key and proxy credentials are secrets registered with the log redactor.
 */
export interface ResolvedNetwork {
  headers: HeadersOption | undefined;
  tls: Readonly<TlsOptions> | undefined;
  /** An `http.Agent` given by the user, `false` for a direct connection, `undefined` for the environment's proxy. */
  agent: object | false | undefined;
}

/** A header record: string values only (a number or undefined would reach the wire as text, or throw inside `http`). */
export function headerRecord(option: string, value: unknown): Readonly<Record<string, string>> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) bad(option, 'must be an object of header names to strings');
  const h = value as Record<string, unknown>;
  for (const [k, v] of Object.entries(h)) {
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(k)) bad(`${option}["${k.replace(/[^\x20-\x7e]/g, '?')}"]`, 'is not a valid header name');
    if (typeof v !== 'string') bad(`${option}.${k}`, 'must be a string', v);
    if (/[\r\n\0]/.test(v)) bad(`${option}.${k}`, 'must not contain CR, LF or NUL');
  }
  return h as Record<string, string>;
}

function bad(option: string, rule: string, value?: unknown): never {
  const shown = value === undefined ? '' : ` (got ${typeof value})`;
  throw new StreamClientError('INVALID_OPTIONS', `${option} ${rule}${shown}`, { details: { option } });
}

/** The `ws` constructor's third argument: what the upgrade request and its socket are given. */
export interface SocketInitOptions {
  headers?: Record<string, string>;
  ca?: TlsMaterial;
  cert?: TlsMaterial;
  key?: TlsMaterial;
  servername?: string;
  rejectUnauthorized?: boolean;
  agent?: object;
  /** For a proxy agent: the target speaks TLS (agent-base otherwise guesses from the call stack). */
  secureEndpoint?: boolean;
}

/** Where a socket init registers the secrets it hands to the socket. */
export interface SecretSink {
  add(secret: string | undefined): void;
}

/**
 * Builds the socket's third constructor argument before each connect, from the current
 * token. A promise only when a module must be loaded first (the environment's proxy).
 */
export type SocketInit = (
  url: string,
  token: string | undefined,
  secrets: SecretSink,
) => SocketInitOptions | undefined | Promise<SocketInitOptions | undefined>;
