import { StreamClientError } from '../core/errors.js';
import { headerRecord, type ResolvedNetwork, type SecretSink, type SocketInit, type SocketInitOptions, type TlsMaterial } from './network.js';

/** The variables proxy-from-env reads for ws:// (as http://) and wss:// (as https://) targets. */
const PROXY_VARS = ['https_proxy', 'HTTPS_PROXY', 'http_proxy', 'HTTP_PROXY', 'all_proxy', 'ALL_PROXY'] as const;

interface ProxyFromEnv {
  getProxyForUrl(url: string): string;
}
interface HttpsProxyAgentModule {
  HttpsProxyAgent: new (proxy: URL) => object;
}

/**
 * The Node socket's options: `headers` (from the current token), `tls` and an `agent` — the
 * user's, or an `https-proxy-agent` for the proxy the environment names for this URL.
 * proxy-from-env and https-proxy-agent are imported only when a proxy variable is set.
 * `envProxy` is false for test doubles, whose connect must stay free of module loading.
 */
export function nodeSocketInit(net: ResolvedNetwork | undefined, envProxy: boolean): SocketInit | undefined {
  // The default client shares one function: no closure per client (bench/RESULTS.md (c)).
  if (net === undefined) return envProxy ? envProxyInit : undefined;
  return (url, token, secrets) => {
    const init: SocketInitOptions = {};
    if (net?.headers !== undefined) init.headers = headersFor(net.headers, token, secrets);
    if (net?.tls !== undefined) {
      Object.assign(init, net.tls);
      if (net.tls.key !== undefined) for (const k of pemTexts(net.tls.key)) secrets.add(k);
    }
    if (net?.agent !== undefined) {
      if (net.agent !== false) init.agent = net.agent;
      return init;
    }
    if (!envProxy || !proxied()) return init;
    return withProxy(init, url, secrets);
  };
}

/** The socket init of a client without network options: the environment's proxy, if it names one. */
const envProxyInit: SocketInit = (url, _token, secrets) => (proxied() ? withProxy({}, url, secrets) : undefined);

const proxied = (): boolean => PROXY_VARS.some((v) => process.env[v]);

/** The agents of the environment's proxy, shared by the clients of the process (made on the first proxied connect). */
let envProxies: ProxyAgents | undefined;

function withProxy(init: SocketInitOptions, url: string, secrets: SecretSink): Promise<SocketInitOptions> {
  return (envProxies ??= new ProxyAgents()).forUrl(url, secrets).then((agent) => {
    if (agent !== undefined) Object.assign(init, { agent, secureEndpoint: /^wss:/i.test(url) });
    return init;
  });
}

function headersFor(headers: NonNullable<ResolvedNetwork['headers']>, token: string | undefined, secrets: SecretSink): Record<string, string> {
  const h = typeof headers === 'function' ? headerRecord('headers()', headers(token === undefined ? {} : { token })) : headers;
  for (const v of Object.values(h)) secrets.add(v);
  // A fresh object: http may normalise it, and a user's frozen record must not be written to.
  return { ...h };
}

function pemTexts(m: TlsMaterial): string[] {
  const list = Array.isArray(m) ? m : [m];
  return list.map((x) => (typeof x === 'string' ? x : new TextDecoder().decode(x as Uint8Array)));
}

/** One agent per proxy URL, kept while the environment names the same proxy (the environment is the process's). */
class ProxyAgents {
  #proxy: string | undefined;
  #agent: object | undefined;
  /** The proxy's credentials, registered again at every connect (the redactor keeps a bounded set). */
  #secrets: readonly string[] = [];

  async forUrl(url: string, secrets: SecretSink): Promise<object | undefined> {
    const { getProxyForUrl } = (await import('proxy-from-env' as string)) as ProxyFromEnv;
    const proxy = getProxyForUrl(url.replace(/^ws/i, 'http'));
    if (!proxy) return undefined;
    if (proxy === this.#proxy) {
      for (const s of this.#secrets) secrets.add(s);
      return this.#agent;
    }
    const parsed = proxyUrl(proxy);
    this.#secrets = proxySecrets(proxy, parsed);
    for (const s of this.#secrets) secrets.add(s);
    const { HttpsProxyAgent } = (await import('https-proxy-agent' as string)) as HttpsProxyAgentModule;
    this.#agent = new HttpsProxyAgent(parsed);
    this.#proxy = proxy;
    return this.#agent;
  }
}

/** Parse the proxy URL; a bad one is named without its text. */
function proxyUrl(proxy: string): URL {
  try {
    return new URL(proxy);
  } catch {
    // No cause: URL's error carries the input, credentials included.
    throw new StreamClientError('INVALID_OPTIONS', 'the proxy named by HTTPS_PROXY/HTTP_PROXY/ALL_PROXY is not a valid URL', {
      details: { option: 'HTTPS_PROXY' },
    });
  }
}

/** Every form in which the proxy password could be echoed: raw, decoded, inside Basic, inside the URL. */
function proxySecrets(proxy: string, u: URL): string[] {
  if (!u.password) return [];
  const user = decodeURIComponent(u.username);
  const password = decodeURIComponent(u.password);
  return [u.password, password, Buffer.from(`${user}:${password}`).toString('base64'), proxy];
}
