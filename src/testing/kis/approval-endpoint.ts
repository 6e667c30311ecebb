import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

/** Bound on request bodies the endpoint reads. */
const MAX_BODY_BYTES = 16 * 1024;
/** Bound on issued keys remembered (oldest forgotten first). */
const MAX_KEYS = 10_000;

interface IssuedKey {
  readonly appKey: string;
  readonly expiresAt: number;
  revoked: boolean;
}

export interface ApprovalEndpointDeps {
  readonly credentials: Readonly<Record<string, string>> | undefined;
  readonly ttlMs: number;
  readonly delayMs: number;
  /** Called for every answer, after it is decided. */
  answered(appKey: string, status: number): void;
}

/**
 * `POST /oauth2/Approval` as KIS serves it: `{"grant_type":"client_credentials","appkey",
 * "secretkey"}` -> `{"approval_key":"<36 chars>"}`. Keeps the issued keys (app key, expiry)
 * for the socket to check, and can fail on demand.
 */
export class ApprovalEndpoint {
  readonly #d: ApprovalEndpointDeps;
  readonly #keys = new Map<string, IssuedKey>();
  readonly #timers = new Set<ReturnType<typeof setTimeout>>();
  #failures: { count: number; status: number } | undefined;

  constructor(deps: ApprovalEndpointDeps) {
    this.#d = deps;
  }

  /** The app key an approval key belongs to, if it is known, unrevoked and unexpired. */
  appKeyOf(approvalKey: unknown): string | undefined {
    if (typeof approvalKey !== 'string') return undefined;
    const k = this.#keys.get(approvalKey);
    return k && !k.revoked && Date.now() < k.expiresAt ? k.appKey : undefined;
  }

  /** Every key issued so far stops working (as if it expired). Returns how many. */
  expireAll(): number {
    let n = 0;
    for (const k of this.#keys.values()) {
      if (k.revoked) continue;
      k.revoked = true;
      n++;
    }
    return n;
  }

  /** The next `count` requests get `status` (a 5xx/429 outage, or a 4xx refusal). */
  fail(count: number, status: number): void {
    this.#failures = count > 0 ? { count, status } : undefined;
  }

  /** Cancel delayed answers (on close). */
  dispose(): void {
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
  }

  handle(req: IncomingMessage, res: ServerResponse): void {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== '/oauth2/Approval') return json(res, 404, { error_code: 'NOT_FOUND', error_description: 'no such endpoint' });
    if (req.method !== 'POST') return json(res, 405, { error_code: 'METHOD', error_description: 'POST only' });
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= MAX_BODY_BYTES) chunks.push(c);
    });
    req.on('end', () => {
      const answer = (): void => this.#answer(Buffer.concat(chunks).toString('utf8'), size > MAX_BODY_BYTES, res);
      if (this.#d.delayMs <= 0) return answer();
      const t = setTimeout(() => {
        this.#timers.delete(t);
        answer();
      }, this.#d.delayMs);
      this.#timers.add(t);
    });
    req.on('error', () => res.destroy());
  }

  #answer(text: string, tooLarge: boolean, res: ServerResponse): void {
    if (res.destroyed) return;
    let body: Record<string, unknown> | undefined;
    try {
      const parsed: unknown = JSON.parse(text);
      body = typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : undefined;
    } catch {
      body = undefined;
    }
    const appKey = typeof body?.['appkey'] === 'string' ? body['appkey'] : '';
    const secret = typeof body?.['secretkey'] === 'string' ? body['secretkey'] : '';
    const refuse = (status: number, code: string, description: string): void => {
      this.#d.answered(appKey, status);
      json(res, status, { error_code: code, error_description: description });
    };
    const f = this.#failures;
    if (f) {
      if (--f.count <= 0) this.#failures = undefined;
      return refuse(f.status, 'SIMULATED', 'simulated failure');
    }
    if (tooLarge || !body || body['grant_type'] !== 'client_credentials' || !appKey || !secret) {
      return refuse(400, 'EGW00002', 'bad request: grant_type, appkey and secretkey are required');
    }
    const creds = this.#d.credentials;
    if (creds !== undefined && creds[appKey] !== secret) return refuse(403, 'EGW00103', 'invalid AppKey or AppSecret');
    const approvalKey = randomUUID(); // 36 characters, like the real ones
    if (this.#keys.size >= MAX_KEYS) this.#keys.delete(this.#keys.keys().next().value as string);
    this.#keys.set(approvalKey, { appKey, expiresAt: Date.now() + this.#d.ttlMs, revoked: false });
    this.#d.answered(appKey, 200);
    json(res, 200, { approval_key: approvalKey });
  }
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(body));
}
