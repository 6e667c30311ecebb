import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { isFatalTokenError } from '../../src/auth/classify.js';
import { KisApprovalError, kisApprovalKey } from '../../src/protocol/kis/index.js';

const APP_KEY = 'PSappkey-0123456789abcdefghij';
const SECRET = 'S3CR3T-app-secret-value-0123456789-abcdefghijklmnopqrstuvwxyz';
const KEY = 'a1b2c3d4-e5f6-7a8b-9c0d-e1f2a3b4c5d6';

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

interface Origin {
  readonly url: string;
  /** Requests received, with their bodies. */
  readonly requests: { method: string; url: string; body: string }[];
}

/** A raw HTTP server on 127.0.0.1 port 0 answering every request with `handler`. */
async function origin(handler: (req: IncomingMessage, res: ServerResponse, body: string) => void): Promise<Origin> {
  const requests: Origin['requests'] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      requests.push({ method: req.method ?? '', url: req.url ?? '', body });
      handler(req, res, body);
    });
  });
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests };
}

async function refusal(p: Promise<unknown>): Promise<KisApprovalError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(KisApprovalError);
  return err as KisApprovalError;
}

/** Everything an error exposes: message, own fields, and its whole cause chain, as text. */
function exposed(err: unknown, depth = 0): string {
  if (depth > 5 || typeof err !== 'object' || err === null) return String(err);
  const e = err as Error & Record<string, unknown>;
  const own = Object.getOwnPropertyNames(e).map((k) => `${k}=${k === 'cause' ? exposed(e.cause, depth + 1) : String(e[k])}`);
  return `${e.name}: ${e.message} ${own.join(' ')} ${String(e.stack)}`;
}

const signal = (): AbortSignal => new AbortController().signal;

describe('kisApprovalKey against hostile HTTP endpoints', () => {
  for (const status of [307, 308]) {
    it(`refuses a ${status} to another origin: that origin receives nothing, the error is fatal and names it`, async () => {
      const other = await origin((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ approval_key: KEY })));
      const kis = await origin((_req, res) => res.writeHead(status, { location: `${other.url}/steal?x=1` }).end());
      const err = await refusal(kisApprovalKey({ baseUrl: kis.url, appKey: APP_KEY, appSecret: SECRET })(signal()));
      expect(kis.requests).toHaveLength(1);
      expect(JSON.parse(kis.requests[0]!.body)).toEqual({ grant_type: 'client_credentials', appkey: APP_KEY, secretkey: SECRET });
      expect(other.requests).toEqual([]);
      expect(err.status).toBe(status);
      expect(err.fatal).toBe(true);
      expect(isFatalTokenError(err)).toBe(true);
      expect(err.message).toContain(`HTTP ${status}`);
      expect(err.message).toContain(other.url);
      expect(err.message).not.toContain('steal');
      expect(exposed(err)).not.toContain(SECRET);
    });
  }

  for (const status of [301, 302, 303]) {
    it(`does not take a key from another origin after a ${status}`, async () => {
      const other = await origin((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ approval_key: KEY })));
      const kis = await origin((_req, res) => res.writeHead(status, { location: `${other.url}/oauth2/Approval` }).end());
      const err = await refusal(kisApprovalKey({ baseUrl: kis.url, appKey: APP_KEY, appSecret: SECRET })(signal()));
      expect(other.requests).toEqual([]);
      expect(err.status).toBe(status);
      expect(err.fatal).toBe(true);
      expect(err.message).toContain(other.url);
    });
  }

  it('refuses a key from a fetch that followed a redirect although asked not to', async () => {
    const other = await origin((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ approval_key: KEY })));
    const kis = await origin((_req, res) => res.writeHead(302, { location: `${other.url}/oauth2/Approval` }).end());
    const following = (url: string, init: { method: string; headers: Record<string, string>; body: string }) =>
      fetch(url, { method: init.method, headers: init.headers, body: init.body, redirect: 'follow' });
    const err = await refusal(kisApprovalKey({ baseUrl: kis.url, appKey: APP_KEY, appSecret: SECRET, fetch: following })(signal()));
    expect(err.fatal).toBe(true);
    expect(err.message).toContain(`(HTTP followed) to ${other.url}`);
  });

  it('keeps credentials an error body echoes out of the error, even where the description is cut', async () => {
    // The description is cut at 120 characters: put the secret across that cut.
    const description = `${'x'.repeat(100)}${SECRET} appkey=${APP_KEY}`;
    const kis = await origin((_req, res) =>
      res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ error_code: 'EGW00103', error_description: description })),
    );
    const err = await refusal(kisApprovalKey({ baseUrl: kis.url, appKey: APP_KEY, appSecret: SECRET })(signal()));
    expect(err.status).toBe(401);
    expect(err.serviceCode).toBe('EGW00103');
    const text = exposed(err);
    expect(text).not.toContain(SECRET.slice(0, 12));
    expect(text).not.toContain(APP_KEY);
  });

  it('keeps an echoed secret in a non-JSON 200 out of the error and its cause', async () => {
    const kis = await origin((_req, res, body) => res.writeHead(200, { 'content-type': 'text/plain' }).end(`echo: ${body}`));
    const err = await refusal(kisApprovalKey({ baseUrl: kis.url, appKey: APP_KEY, appSecret: SECRET })(signal()));
    expect(err.fatal).toBe(false);
    expect(err.message).toMatch(/^KIS approval answer is not JSON \(HTTP 200, \d+ chars\)$/);
    expect(err.cause).toBeUndefined();
    expect(exposed(err)).not.toContain(SECRET.slice(0, 12));
  });

  it('aborts a body that never ends, with the signal reason, and leaves no request open', async () => {
    let res: ServerResponse | undefined;
    const kis = await origin((_req, r) => {
      res = r;
      r.writeHead(200, { 'content-type': 'application/json' });
      r.write('{"approval_key":"');
    });
    const abort = new AbortController();
    const pending = kisApprovalKey({ baseUrl: kis.url, appKey: APP_KEY, appSecret: SECRET })(abort.signal);
    await expect.poll(() => res !== undefined, { timeout: 3_000 }).toBe(true);
    const closed = once(res!, 'close');
    const reason = new Error('TOKEN_TIMEOUT stand-in');
    abort.abort(reason);
    await expect(pending).rejects.toBe(reason);
    await closed;
  });

  it('aborts a never-ending body even when the fetch in use ignores the signal', async () => {
    const kis = await origin((_req, r) => {
      r.writeHead(200, { 'content-type': 'application/json' });
      r.write('{"approval_key":"');
    });
    const abort = new AbortController();
    const deaf = (url: string, init: { method: string; headers: Record<string, string>; body: string; redirect: 'manual' }) =>
      fetch(url, { method: init.method, headers: init.headers, body: init.body, redirect: init.redirect });
    const pending = kisApprovalKey({ baseUrl: kis.url, appKey: APP_KEY, appSecret: SECRET, fetch: deaf })(abort.signal);
    await expect.poll(() => kis.requests.length, { timeout: 3_000 }).toBe(1);
    const reason = new Error('timeout');
    abort.abort(reason);
    await expect(pending).rejects.toBe(reason);
  });

  it('keeps Retry-After of a 429 or 503 (seconds or HTTP date) as a transient hint', async () => {
    const kis429 = await origin((_req, res) => res.writeHead(429, { 'retry-after': '7' }).end('{"error_code":"EGW00201","error_description":"rate"}'));
    const e429 = await refusal(kisApprovalKey({ baseUrl: kis429.url, appKey: APP_KEY, appSecret: SECRET })(signal()));
    expect([e429.status, e429.fatal, e429.retryAfterMs, e429.serviceCode]).toEqual([429, false, 7_000, 'EGW00201']);
    const at = new Date(Date.now() + 120_000).toUTCString();
    const kis503 = await origin((_req, res) => res.writeHead(503, { 'retry-after': at }).end());
    const e503 = await refusal(kisApprovalKey({ baseUrl: kis503.url, appKey: APP_KEY, appSecret: SECRET })(signal()));
    expect([e503.status, e503.fatal]).toEqual([503, false]);
    expect(e503.retryAfterMs).toBeGreaterThan(115_000);
    expect(e503.retryAfterMs).toBeLessThanOrEqual(120_000);
    const kisDays = await origin((_req, res) => res.writeHead(503, { 'retry-after': String(30 * 86_400) }).end());
    expect((await refusal(kisApprovalKey({ baseUrl: kisDays.url, appKey: APP_KEY, appSecret: SECRET })(signal()))).retryAfterMs).toBe(600_000);
  });

  it('refuses an approval_key that is not 36 printable characters, without quoting it', async () => {
    for (const bad of ['short', 'k'.repeat(37), `${'k'.repeat(35)}\n`]) {
      const kis = await origin((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ approval_key: bad })));
      const err = await refusal(kisApprovalKey({ baseUrl: kis.url, appKey: APP_KEY, appSecret: SECRET })(signal()));
      expect(err.message).toBe(`KIS approval_key is not 36 printable characters (got ${bad.length})`);
      expect(err.fatal).toBe(false);
    }
  });

  it('stops reading a huge body at 16 KiB and closes it', async () => {
    let res: ServerResponse | undefined;
    const kis = await origin((_req, r) => {
      res = r;
      r.writeHead(200, { 'content-type': 'application/json' });
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      const pump = (): void => {
        while (!r.destroyed && r.write(chunk));
        if (!r.destroyed) r.once('drain', pump);
      };
      pump();
    });
    const err = await refusal(kisApprovalKey({ baseUrl: kis.url, appKey: APP_KEY, appSecret: SECRET })(signal()));
    expect(err.message).toBe('KIS approval answer larger than 16384 bytes (HTTP 200)');
    expect(err.fatal).toBe(false);
    await once(res!, 'close');
  });

  it('defaults the REST base by env: paper goes to openapivts:29443', async () => {
    const calls: string[] = [];
    const fetch = async (url: string) => {
      calls.push(url);
      return { ok: true, status: 200, text: async () => JSON.stringify({ approval_key: KEY }) };
    };
    await kisApprovalKey({ env: 'paper', appKey: APP_KEY, appSecret: SECRET, fetch })(signal());
    await kisApprovalKey({ appKey: APP_KEY, appSecret: SECRET, fetch })(signal());
    expect(calls).toEqual(['https://openapivts.koreainvestment.com:29443/oauth2/Approval', 'https://openapi.koreainvestment.com:9443/oauth2/Approval']);
    expect(() => kisApprovalKey({ env: 'demo' as never, appKey: APP_KEY, appSecret: SECRET })).toThrow("kisApprovalKey: env must be 'real' or 'paper'");
  });
});
