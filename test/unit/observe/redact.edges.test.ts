import { describe, expect, it } from 'vitest';
import { StreamClientError } from '../../../src/core/errors.js';
import { REDACTED, Redactor } from '../../../src/observe/redact.js';

describe('redaction edges', () => {
  it('treats a secret literally (regex characters match only themselves) and ignores a duplicate add', () => {
    const r = new Redactor();
    r.add('a.b*c');
    r.add('a.b*c');
    expect(r.scrub('axbbbc a.b*c')).toBe(`axbbbc ${REDACTED}`);
    r.add(undefined);
    expect(r.scrub('plain')).toBe('plain');
  });

  it('remembers the current token and 7 predecessors: the 9th token pushes out the oldest', () => {
    const r = new Redactor();
    const tokens = Array.from({ length: 9 }, (_, i) => `tok-${i}-xyz`);
    for (const t of tokens.slice(0, 8)) r.add(t);
    expect(r.scrub(tokens.slice(0, 8).join(' '))).toBe(Array(8).fill(REDACTED).join(' '));
    r.add(tokens[8]);
    expect(r.scrub(`${tokens[0]} ${tokens[1]} ${tokens[8]}`)).toBe(`${tokens[0]} ${REDACTED} ${REDACTED}`);
  });

  it('redacts inside arrays and keeps numbers, booleans and undefined as they are', () => {
    const r = new Redactor();
    r.add('s3cret');
    expect(r.record(['x s3cret', 2, true, undefined, null, { password: 'p' }])).toEqual([`x ${REDACTED}`, 2, true, undefined, null, { password: REDACTED }]);
    expect(r.record('s3cret')).toBe(REDACTED);
    expect(r.record(7)).toBe(7);
    expect(r.record(null)).toBe(null);
  });

  it('a shared (non-cyclic) object appearing twice is logged twice, not as [circular]', () => {
    const shared = { a: 1 };
    expect(new Redactor().record({ x: shared, y: shared, z: [shared, shared] })).toEqual({ x: { a: 1 }, y: { a: 1 }, z: [{ a: 1 }, { a: 1 }] });
  });

  it('summarizes an error without a code or an Error cause, and bounds a long cause chain', () => {
    const r = new Redactor();
    expect(r.record(new Error('plain', { cause: 'text cause' }))).toEqual({ type: 'Error', message: 'plain' });
    let err = new Error('e0');
    for (let i = 1; i <= 10; i++) err = new Error(`e${i}`, { cause: err });
    let out = r.record(err) as Record<string, unknown>;
    let depth = 0;
    while (typeof out['cause'] === 'object') {
      out = out['cause'] as Record<string, unknown>;
      depth++;
    }
    expect(depth).toBe(8);
    expect(out['cause']).toBe('[depth]');
    expect(out['message']).toBe('e2');
  });

  describe('exposed()', () => {
    it('scrubs a string cause and a non-error object cause that carries a secret; keeps clean ones as they are', () => {
      const r = new Redactor();
      r.add('k3y');
      const s = r.exposed(new StreamClientError('AUTH_FAILED', 'x', { cause: 'refused k3y' }));
      expect(s.cause).toBe(`refused ${REDACTED}`);
      const o = r.exposed(new StreamClientError('AUTH_FAILED', 'x', { cause: { body: 'k3y', n: 1 } }));
      expect(o.cause).toEqual({ body: REDACTED, n: 1 });
      const clean = { body: 'fine', nested: { n: 1 } };
      expect(r.exposed(new StreamClientError('AUTH_FAILED', 'x', { cause: clean })).cause).toBe(clean);
      expect(r.exposed(new StreamClientError('AUTH_FAILED', 'x', { cause: 42 })).cause).toBe(42);
      const none = r.exposed(new StreamClientError('AUTH_FAILED', 'x'));
      expect('cause' in none).toBe(false);
    });

    it('a copied cause keeps statusCode, errno and a scrubbed string code, and drops other fields', () => {
      const r = new Redactor();
      r.add('k3y');
      const cause = Object.assign(new Error('k3y leaked'), { code: 'E_k3y', statusCode: 502, errno: -104, status: { not: 'a number' }, body: 'x' });
      const copy = r.exposed(new StreamClientError('CONNECTION_FAILED', 'x', { cause })).cause as unknown as Record<string, unknown>;
      expect(copy).not.toBe(cause);
      expect({ code: copy['code'], statusCode: copy['statusCode'], errno: copy['errno'], status: copy['status'], body: copy['body'] }).toEqual({
        code: `E_${REDACTED}`,
        statusCode: 502,
        errno: -104,
        status: undefined,
        body: undefined,
      });
    });

    it('scrubs an error of ours in the chain in place and keeps it, with its own cause sanitized', () => {
      const r = new Redactor();
      r.add('k3y');
      const root = new Error('root k3y');
      const ours = new StreamClientError('AUTH_FAILED', 'ours k3y', { cause: root, details: { apiKey: 'k' } });
      const top = r.exposed(new StreamClientError('CONNECTION_FAILED', 'top', { cause: ours }));
      expect(top.cause).toBe(ours);
      expect(ours.message).toBe(`ours ${REDACTED}`);
      expect(ours.details).toEqual({ apiKey: REDACTED });
      expect(ours.cause).not.toBe(root);
      expect((ours.cause as Error).message).toBe(`root ${REDACTED}`);
      expect(root.message).toBe('root k3y');
    });

    it("finds a secret only in a cause's stack, or under a secret-named field at depth", () => {
      const r = new Redactor();
      r.add('k3y');
      const stacked = new Error('clean');
      stacked.stack = 'Error: clean\n    at fetch (https://h/?q=k3y)';
      const a = r.exposed(new StreamClientError('AUTH_FAILED', 'x', { cause: stacked })).cause as Error;
      expect(a).not.toBe(stacked);
      expect(a.stack).not.toContain('k3y');
      const nested = Object.assign(new Error('clean'), { req: { headers: { cookie: 'c=1' } } });
      expect(r.exposed(new StreamClientError('AUTH_FAILED', 'x', { cause: nested })).cause).not.toBe(nested);
      const nullKey = Object.assign(new Error('clean'), { token: null, list: [1, 2] });
      expect(r.exposed(new StreamClientError('AUTH_FAILED', 'x', { cause: nullKey })).cause).toBe(nullKey);
    });

    it('leaves null details alone', () => {
      const r = new Redactor();
      const err = new StreamClientError('AUTH_FAILED', 'x');
      (err as { details?: unknown }).details = null;
      expect(r.exposed(err).details).toBe(null);
    });
  });
});
