import { describe, expect, it, vi } from 'vitest';
import { isFatalTokenError } from '../../../src/auth/classify.js';
import { KisApprovalError, kisApprovalKey, type KisFetch } from '../../../src/protocol/kis/index.js';

const SECRET = 'S3CR3T-app-secret-value-0123456789';
const base = { baseUrl: 'https://kis.example:9443/', appKey: 'APPKEY', appSecret: SECRET };

function answering(status: number, body: unknown): KisFetch {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  return async () => ({ ok: status >= 200 && status < 300, status, json: async () => JSON.parse(text), text: async () => text });
}

async function failure(fetch: KisFetch, signal = new AbortController().signal): Promise<KisApprovalError> {
  const err = await kisApprovalKey({ ...base, fetch })(signal).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(KisApprovalError);
  expect(String((err as Error).message)).not.toContain(SECRET);
  return err as KisApprovalError;
}

describe('kisApprovalKey', () => {
  it('posts the KIS approval request and returns the key with a 24 h lifetime', async () => {
    const fetch = vi.fn(answering(200, { approval_key: 'k'.repeat(36) }));
    const signal = new AbortController().signal;
    await expect(kisApprovalKey({ ...base, fetch })(signal)).resolves.toEqual({ token: 'k'.repeat(36), expiresInMs: 86_400_000 });
    const [url, init] = fetch.mock.calls[0]!;
    expect(url).toBe('https://kis.example:9443/oauth2/Approval');
    expect(init.method).toBe('POST');
    expect(init.signal).toBe(signal);
    expect(JSON.parse(init.body)).toEqual({ grant_type: 'client_credentials', appkey: 'APPKEY', secretkey: SECRET });
  });

  it('maps 5xx, 429 and 408 to transient errors with a status', async () => {
    for (const status of [500, 503, 429, 408]) {
      const err = await failure(answering(status, { error_code: 'EGW00201', error_description: 'busy' }));
      expect(err.status).toBe(status);
      expect(err.fatal).toBe(false);
      expect(isFatalTokenError(err)).toBe(false);
    }
  });

  it('maps 400/401/403 (and other 4xx) to fatal errors, with the service code and without the secret', async () => {
    for (const status of [400, 401, 403, 404]) {
      const err = await failure(answering(status, { error_code: 'EGW00103', error_description: `bad secret ${SECRET}` }));
      expect(err.status).toBe(status);
      expect(isFatalTokenError(err)).toBe(true);
      expect(err.serviceCode).toBe('EGW00103');
      expect(err.message).toContain('[redacted]');
    }
  });

  it('maps network errors to transient errors, scrubbing the secret from the cause text', async () => {
    const err = await failure(async () => {
      throw new TypeError(`fetch failed for ${SECRET}`);
    });
    expect(err.status).toBeUndefined();
    expect(isFatalTokenError(err)).toBe(false);
  });

  it('treats a 200 without approval_key, or a non-JSON body, as transient', async () => {
    expect(isFatalTokenError(await failure(answering(200, { nope: 1 })))).toBe(false);
    expect(isFatalTokenError(await failure(answering(200, '<html>')))).toBe(false);
  });

  it('honours the abort signal: passes it to fetch and rethrows its reason', async () => {
    const abort = new AbortController();
    const fetch: KisFetch = (_url, init) =>
      new Promise((_resolve, reject) => init.signal.addEventListener('abort', () => reject(new Error('aborted')), { once: true }));
    const pending = kisApprovalKey({ ...base, fetch })(abort.signal);
    const reason = new Error('timeout');
    abort.abort(reason);
    await expect(pending).rejects.toBe(reason);
  });

  it('validates its options by name', () => {
    expect(() => kisApprovalKey({ ...base, baseUrl: '' })).toThrow(/baseUrl/);
    expect(() => kisApprovalKey({ ...base, appKey: '' })).toThrow(/appKey/);
    expect(() => kisApprovalKey({ ...base, appSecret: '' })).toThrow(/appSecret/);
    expect(() => kisApprovalKey({ ...base, ttlMs: 0 })).toThrow(/ttlMs/);
  });
});
