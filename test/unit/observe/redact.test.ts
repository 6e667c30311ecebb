import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Log, type Logger } from '../../../src/observe/log.js';
import { REDACTED, Redactor } from '../../../src/observe/redact.js';

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
    const bad: Logger = { debug: () => {}, info: () => { throw new Error('x'); }, warn: () => {}, error: () => {} };
    expect(() => new Log(bad).info('connection.state', {})).not.toThrow();
  });
});
