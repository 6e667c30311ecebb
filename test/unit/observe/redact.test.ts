import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Log, type Logger } from '../../../src/observe/log.js';
import { REDACTED, Redactor } from '../../../src/observe/redact.js';
import { StreamClientError } from '../../../src/core/errors.js';

function capture(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const push = (obj: object, msg?: string) => lines.push(JSON.stringify({ ...obj, msg }));
  return { lines, logger: { debug: push, info: push, warn: push, error: push } };
}

describe('redaction', () => {
  it('masks secret-looking keys at any depth', () => {
    const r = new Redactor();
    const out = r.record({ token: 'abc', nested: { Authorization: 'Bearer x', approval_key: 'k', ok: 1 } });
    expect(out).toEqual({ token: REDACTED, nested: { Authorization: REDACTED, approval_key: REDACTED, ok: 1 } });
  });

  it('scrubs a registered secret from any string, error messages and causes included', () => {
    const { logger, lines } = capture();
    const log = new Log(logger);
    const secret = 'eyJhbGciOi.secret-token-value';
    log.redactor.add(secret);
    const err = new Error(`bad token ${secret}`, { cause: new Error(`inner ${secret}`) });
    log.warn('auth.refresh.fail', { err, url: `wss://x/?token=${secret}`, list: [secret] }, `msg ${secret}`);
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain(secret);
    expect(lines[0]).toContain(REDACTED);
  });

  it('never lets a registered secret through, whatever surrounds it (property)', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 6, maxLength: 40 }), fc.string(), fc.string(), (secret, pre, post) => {
        const r = new Redactor();
        r.add(secret);
        expect(r.scrub(pre + secret + post)).not.toContain(secret);
      }),
    );
  });

  it('a throwing logger does not throw into the caller', () => {
    const bad: Logger = {
      debug: () => {},
      info: () => {
        throw new Error('x');
      },
      warn: () => {},
      error: () => {},
    };
    expect(() => new Log(bad).info('connection.state', {})).not.toThrow();
  });

  it('keeps the type, message, code and cause chain of an error in a record', () => {
    const r = new Redactor();
    r.add('s3cr3t-token');
    const inner = Object.assign(new TypeError('inner s3cr3t-token'), { code: 'E_INNER' });
    const err = Object.assign(new Error('outer', { cause: inner }), { code: 'E_OUTER' });
    expect(r.record({ err })).toEqual({
      err: { type: 'Error', message: 'outer', code: 'E_OUTER', cause: { type: 'TypeError', message: `inner ${REDACTED}`, code: 'E_INNER' } },
    });
  });

  it('masks every spelling of a secret key, keeps other keys and null fields', () => {
    const r = new Redactor();
    const out = r.record({
      apiKey: 'a',
      API_KEY: 'b',
      approvalKey: 'c',
      appsecret: 'd',
      secretkey: 'e',
      authorization: 'f',
      appkey: 'g',
      key: 'AAPL',
      topic: 'T',
      gone: null,
      token: undefined,
    });
    expect(out).toEqual({
      apiKey: REDACTED,
      API_KEY: REDACTED,
      approvalKey: REDACTED,
      appsecret: REDACTED,
      secretkey: REDACTED,
      authorization: REDACTED,
      appkey: REDACTED,
      key: 'AAPL',
      topic: 'T',
      gone: null,
      token: undefined,
    });
  });

  it('scrubs a secret of any length, but never registers the empty string', () => {
    const r = new Redactor();
    r.add('');
    expect(r.scrub('abc')).toBe('abc');
    r.add('q7z');
    expect(r.scrub('op q7z!')).toBe(`op ${REDACTED}!`);
    r.add('q7zq7z');
    expect(r.scrub('q7zq7z')).toBe(REDACTED); // longest first, one pass
  });

  it('redacts query values and credentials of URLs in any text', () => {
    const r = new Redactor();
    expect(r.scrub('Invalid URL: wss://bob:pw@feed.example/ws?token=abc&x=1#f')).toBe(
      `Invalid URL: wss://${REDACTED}@feed.example/ws?token=${REDACTED}&x=${REDACTED}#f`,
    );
    expect(r.scrub('no url here: a = b')).toBe('no url here: a = b');
  });

  it('cuts cycles and bounds depth: a cyclic record is logged, never a stack overflow', () => {
    const { logger, lines } = capture();
    const log = new Log(logger);
    const cyclic: Record<string, unknown> = { name: 'a' };
    cyclic['self'] = cyclic;
    const err = new Error('loop');
    (err as { cause?: unknown }).cause = err;
    expect(() => log.warn('connection.error', { cyclic, err })).not.toThrow();
    expect(JSON.parse(lines[0]!)).toMatchObject({ cyclic: { name: 'a', self: '[circular]' }, err: { type: 'Error', message: 'loop', cause: '[depth]' } });
    const deep = { a: { b: { c: { d: { e: { f: 1 } } } } } };
    expect(new Redactor().record(deep)).toEqual({ a: { b: { c: { d: { e: '[depth]' } } } } });
  });

  it('a field whose getter throws does not throw into the caller', () => {
    const { logger, lines } = capture();
    const bad = Object.defineProperty({}, 'x', {
      enumerable: true,
      get: () => {
        throw new Error('getter');
      },
    });
    expect(() => new Log(logger).warn('connection.error', { bad })).not.toThrow();
    expect(lines).toEqual([]);
  });

  describe('exposed(): an error handed to the application', () => {
    it('scrubs message, stack and details in place and replaces a cause carrying the secret by a copy keeping name, code and status', () => {
      const r = new Redactor();
      r.add('tok');
      const cause = Object.assign(new RangeError('bad tok'), { code: 'E_TOK', status: 401, extra: { deep: 'x' } });
      const err = new StreamClientError('AUTH_FAILED', 'failed: tok', { cause, details: { reason: 'tok', apiKey: 'k' } });
      expect(r.exposed(err)).toBe(err);
      expect(err.message).toBe(`failed: ${REDACTED}`);
      expect(err.stack).not.toContain('tok');
      expect(err.details).toEqual({ reason: REDACTED, apiKey: REDACTED });
      const copy = err.cause as RangeError & { code: string; status: number };
      expect(copy).not.toBe(cause);
      expect({ name: copy.name, message: copy.message, code: copy.code, status: copy.status }).toEqual({
        name: 'RangeError',
        message: `bad ${REDACTED}`,
        code: 'E_TOK',
        status: 401,
      });
      expect(copy.stack).not.toContain('tok');
      expect(cause.message).toBe('bad tok'); // the application's own object is not mutated
    });

    it('replaces a cause whose fields carry a credential (an HTTP client error with headers), keeps a clean cause as is', () => {
      const r = new Redactor();
      const leaky = Object.assign(new Error('request failed'), { status: 503, config: { headers: { Authorization: 'Bearer xyz' } } });
      const a = r.exposed(new StreamClientError('AUTH_FAILED', 'a', { cause: leaky }));
      expect(a.cause).not.toBe(leaky);
      expect(a.cause).toMatchObject({ message: 'request failed', status: 503 });
      expect(JSON.stringify(reachable(a.cause))).not.toContain('xyz');
      const clean = Object.assign(new Error('service down'), { status: 503 });
      expect(r.exposed(new StreamClientError('AUTH_FAILED', 'b', { cause: clean })).cause).toBe(clean);
    });

    it('sanitizes a secret deep in the cause chain and survives a cyclic chain', () => {
      const r = new Redactor();
      r.add('deep-secret');
      const root = new Error('root deep-secret');
      const mid = new Error('mid', { cause: root });
      const err = r.exposed(new StreamClientError('CONNECTION_FAILED', 'top', { cause: mid }));
      const m = err.cause as Error;
      expect(m).not.toBe(mid);
      expect((m.cause as Error).message).toBe(`root ${REDACTED}`);
      const loop = new Error('loop');
      (loop as { cause?: unknown }).cause = loop;
      expect(() => r.exposed(new StreamClientError('CONNECTION_FAILED', 'x', { cause: loop }))).not.toThrow();
    });
  });
});

function reachable(e: unknown): unknown {
  return e instanceof Error ? { ...e, message: e.message, stack: e.stack, cause: reachable(e.cause) } : e;
}
