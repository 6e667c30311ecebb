import { describe, expect, it } from 'vitest';
import { runInNewContext } from 'node:vm';
import { StreamClientError } from '../../../src/core/errors.js';
import { REDACTED, Redactor } from '../../../src/observe/redact.js';

/** `top -> c1 -> ... -> cN`, the last one's message given. */
function chain(n: number, lastMessage: string): Error[] {
  const errors: Error[] = [new Error(lastMessage)];
  for (let i = n - 1; i >= 1; i--) errors.unshift(new Error(`c${i}`, { cause: errors[0] }));
  return errors;
}

describe('exposed(): the cause chain an application receives', () => {
  it('cuts a cause that causes itself: a copy keeps its message, its cause becomes "[circular]"', () => {
    const r = new Redactor();
    const loop = new Error('loop');
    (loop as { cause?: unknown }).cause = loop;
    const copy = r.exposed(new StreamClientError('CONNECTION_FAILED', 'x', { cause: loop })).cause as Error;
    expect(copy).not.toBe(loop);
    expect(copy.message).toBe('loop');
    expect(copy.cause).toBe('[circular]');
  });

  it('cuts a two-error cycle where it closes: a -> b -> "[circular]"', () => {
    const r = new Redactor();
    const a = new Error('a');
    const b = new Error('b', { cause: a });
    (a as { cause?: unknown }).cause = b;
    const copy = r.exposed(new StreamClientError('CONNECTION_FAILED', 'x', { cause: a })).cause as Error;
    expect(copy.message).toBe('a');
    expect((copy.cause as Error).message).toBe('b');
    expect((copy.cause as Error).cause).toBe('[circular]');
  });

  it('walks 8 causes deep: a secret in the 8th is scrubbed in a copy, a clean chain of 8 is kept as is', () => {
    const r = new Redactor();
    r.add('k3y');
    const leaky = chain(8, 'root k3y');
    let at = r.exposed(new StreamClientError('AUTH_FAILED', 'x', { cause: leaky[0] })).cause as Error;
    for (let i = 1; i < 8; i++) at = at.cause as Error;
    expect(at.message).toBe(`root ${REDACTED}`);
    expect(leaky[7]!.message).toBe('root k3y');
    const clean = chain(8, 'root');
    expect(r.exposed(new StreamClientError('AUTH_FAILED', 'x', { cause: clean[0] })).cause).toBe(clean[0]);
  });

  it('a 9th cause is beyond the bound: it becomes "[circular]", secret or not', () => {
    const r = new Redactor();
    r.add('k3y');
    const long = chain(9, 'root k3y');
    let at = r.exposed(new StreamClientError('AUTH_FAILED', 'x', { cause: long[0] })).cause as Error;
    for (let i = 1; i < 8; i++) at = at.cause as Error;
    expect(at.message).toBe('c8');
    expect(at.cause).toBe('[circular]');
  });

  it('a copied cause without a stack gets "name: message" scrubbed, and no cause when it had none', () => {
    const r = new Redactor();
    r.add('k3y');
    const cause = new TypeError('bad k3y');
    (cause as { stack?: string | undefined }).stack = undefined;
    const copy = r.exposed(new StreamClientError('AUTH_FAILED', 'x', { cause })).cause as Error;
    expect(copy.stack).toBe(`TypeError: bad ${REDACTED}`);
    expect('cause' in copy).toBe(false);
  });

  it('a copied cause keeps its stack, scrubbed, line for line', () => {
    const r = new Redactor();
    r.add('k3y');
    const cause = new Error('bad k3y');
    cause.stack = 'Error: bad k3y\n    at f (file:///a.js:1:1)';
    const copy = r.exposed(new StreamClientError('AUTH_FAILED', 'x', { cause })).cause as Error;
    expect(copy.stack).toBe(`Error: bad ${REDACTED}\n    at f (file:///a.js:1:1)`);
  });

  it('an error of ours in the chain without a cause does not grow one; one without a stack keeps none', () => {
    const r = new Redactor();
    r.add('k3y');
    const ours = new StreamClientError('AUTH_FAILED', 'ours k3y');
    const top = new StreamClientError('CONNECTION_FAILED', 'top k3y', { cause: ours });
    (top as { stack?: string | undefined }).stack = undefined;
    r.exposed(top);
    expect(top.message).toBe(`top ${REDACTED}`);
    expect(top.stack).toBeUndefined();
    expect(ours.message).toBe(`ours ${REDACTED}`);
    expect('cause' in ours).toBe(false);
  });

  it("finds a secret-named field four levels down a cause's fields and replaces the cause", () => {
    const r = new Redactor();
    const cause = Object.assign(new Error('request failed'), { a: { b: { c: { d: { apiKey: 'k' } } } } });
    const out = r.exposed(new StreamClientError('AUTH_FAILED', 'x', { cause })).cause as Error & { a?: unknown };
    expect(out).not.toBe(cause);
    expect(out.message).toBe('request failed');
    expect(out.a).toBeUndefined();
  });

  it('finds a registered secret in a string field of a plain-object cause nested in an array', () => {
    const r = new Redactor();
    r.add('k3y');
    const cause = { errors: [{ detail: 'bad k3y' }], n: 1 };
    expect(r.exposed(new StreamClientError('AUTH_FAILED', 'x', { cause })).cause).toEqual({ errors: [{ detail: `bad ${REDACTED}` }], n: 1 });
  });

  it('an error without a cause or details (a plain Error) gets neither field added', () => {
    const r = new Redactor();
    r.add('k3y');
    const plain = r.exposed(new Error('plain k3y'));
    expect(plain.message).toBe(`plain ${REDACTED}`);
    expect(Object.keys(plain)).toEqual([]);
    expect('cause' in plain).toBe(false);
  });
});

describe('Redactor edges an application would notice', () => {
  it('without any secret, the word "undefined" in a text is left alone', () => {
    expect(new Redactor().scrub('value undefined here')).toBe('value undefined here');
  });

  it('a secret-named field holding null is logged as null, not "[redacted]"', () => {
    expect(new Redactor().record({ token: null, apiKey: 'k' })).toEqual({ token: null, apiKey: REDACTED });
  });

  it('adding a secret again does not push an older one out of the 8 remembered', () => {
    const r = new Redactor();
    const tokens = Array.from({ length: 9 }, (_, i) => `tok-${i}-xyz`);
    for (const t of tokens.slice(0, 8)) r.add(t);
    r.add(tokens[7]);
    r.add(tokens[8]);
    expect(r.scrub(`${tokens[0]} ${tokens[1]} ${tokens[8]}`)).toBe(`${tokens[0]} ${REDACTED} ${REDACTED}`);
  });
});

describe('exposed(): fields of a cause', () => {
  it('a secret-named field nested deeper than the examined bound still gets the cause replaced', () => {
    const r = new Redactor();
    const cause = Object.assign(new Error('request failed'), { a: { b: { c: { d: { e: { apiKey: 'k' } } } } }, status: 500 });
    const out = r.exposed(new StreamClientError('AUTH_FAILED', 'x', { cause })).cause as Error & { a?: unknown; status?: number };
    expect(out).not.toBe(cause);
    expect({ message: out.message, status: out.status, a: out.a }).toEqual({ message: 'request failed', status: 500, a: undefined });
  });

  it('a clean cause whose fields form a cycle is kept as is, without a stack overflow', () => {
    const r = new Redactor();
    const req: Record<string, unknown> = { url: '/token' };
    req['self'] = req;
    const cause = Object.assign(new Error('request failed'), { req });
    expect(r.exposed(new StreamClientError('AUTH_FAILED', 'x', { cause })).cause).toBe(cause);
  });

  it('a secret-named field holding undefined does not make a cause tainted', () => {
    const r = new Redactor();
    const cause = Object.assign(new Error('clean'), { token: undefined, headers: { authorization: undefined } });
    expect(r.exposed(new StreamClientError('AUTH_FAILED', 'x', { cause })).cause).toBe(cause);
  });

  it('a null cause stays null', () => {
    const err = new StreamClientError('AUTH_FAILED', 'x', { cause: null });
    expect(new Redactor().exposed(err).cause).toBe(null);
  });

  it('a cause whose chain points back to the error handed out is cut there', () => {
    const r = new Redactor();
    const inner = new Error('inner');
    const top = new StreamClientError('CONNECTION_FAILED', 'top', { cause: inner });
    (inner as { cause?: unknown }).cause = top;
    r.exposed(top);
    const copy = top.cause as Error;
    expect(copy).not.toBe(inner);
    expect(copy.message).toBe('inner');
    expect(copy.cause).toBe('[circular]');
  });

  it('scrubs a stack that was already formatted (read before, e.g. by a logger) with the secret in it', () => {
    const r = new Redactor();
    r.add('k3y');
    const err = new StreamClientError('AUTH_FAILED', 'failed: k3y');
    expect(err.stack).toContain('k3y');
    r.exposed(err);
    expect(err.stack!.split('\n')[0]).toBe(`${err.name}: failed: ${REDACTED}`);
  });
});

describe('record(): a log record', () => {
  it('bounds nested arrays like nested objects', () => {
    expect(new Redactor().record([[[[[[1]]]]]])).toEqual([[[[['[depth]']]]]]);
  });

  it('an error without a code has no code key at all', () => {
    expect(Object.keys(new Redactor().record(new Error('plain')) as object)).toEqual(['type', 'message']);
  });
});

describe('exposed(): causes that are not plain errors of this realm', () => {
  it('an Error from another realm (vm) carrying the secret in its message is replaced', () => {
    const r = new Redactor();
    r.add('k3y');
    const foreign = runInNewContext('new Error("refused k3y")') as Error;
    expect(foreign instanceof Error).toBe(false);
    const out = r.exposed(new StreamClientError('AUTH_FAILED', 'x', { cause: foreign })).cause as Record<string, unknown>;
    expect(out).not.toBe(foreign);
    expect(JSON.stringify([out, String(out['message']), String(out['stack'])])).not.toContain('k3y');
  });

  it('an object whose inherited message getter carries the secret is replaced', () => {
    const r = new Redactor();
    r.add('k3y');
    class Failure {
      get message(): string {
        return 'refused k3y';
      }
    }
    const cause = new Failure();
    const out = r.exposed(new StreamClientError('AUTH_FAILED', 'x', { cause })).cause;
    expect(out).not.toBe(cause);
    expect(out).toEqual({});
  });
});

describe("exposed(): how deep a cause's fields are examined", () => {
  const nested = (levels: number, leaf: object): object => (levels === 0 ? leaf : { next: nested(levels - 1, leaf) });

  it('a clean cause with fields nested 4 levels is examined and kept; 5 levels is beyond the bound and replaced', () => {
    const r = new Redactor();
    const four = Object.assign(new Error('clean'), { a: nested(3, { n: 1 }) });
    expect(r.exposed(new StreamClientError('AUTH_FAILED', 'x', { cause: four })).cause).toBe(four);
    const five = Object.assign(new Error('clean'), { a: nested(4, { n: 1 }) });
    const out = r.exposed(new StreamClientError('AUTH_FAILED', 'x', { cause: five })).cause as Error;
    expect(out).not.toBe(five);
    expect(out.message).toBe('clean');
  });
});
