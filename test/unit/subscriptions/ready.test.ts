import { afterEach, describe, expect, it } from 'vitest';
import { isStreamClientError } from '../../../src/core/errors.js';
import { registryHarness } from '../../helpers/registry.js';

const noop = (): void => {};
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
afterEach(() => void process.off('unhandledRejection', onUnhandled));

/** Resolves with how a promise settled, without waiting on the wall clock. */
const outcome = (p: Promise<void>): Promise<string> =>
  p.then(
    () => 'resolved',
    (err: unknown) => (isStreamClientError(err) ? err.code : 'other'),
  );

describe('sub.ready', () => {
  it('resolves on the ack; at once for a handle joining an active subscription', async () => {
    const { registry, attach, server } = registryHarness();
    attach();
    const a = registry.add('A', noop);
    const ready = outcome(a.ready);
    server({ op: 'subscribed', topic: 'A' });
    expect(await ready).toBe('resolved');
    expect(await outcome(registry.add('A', noop).ready)).toBe('resolved');
  });

  it('rejects with the subscription error, or CLIENT_CLOSED when unsubscribed or disposed first', async () => {
    const { registry, attach, server } = registryHarness();
    attach();
    const refused = registry.add('BAD', noop);
    const gone = registry.add('B', noop);
    const disposed = registry.add('C', noop);
    const results = Promise.all([outcome(refused.ready), outcome(gone.ready), outcome(disposed.ready)]);
    server({ op: 'error', topic: 'BAD', code: 'forbidden', message: 'no' });
    gone.unsubscribe();
    registry.dispose();
    expect(await results).toEqual(['SUBSCRIPTION_REJECTED', 'CLIENT_CLOSED', 'CLIENT_CLOSED']);
    expect(await outcome(refused.ready)).toBe('SUBSCRIPTION_REJECTED'); // the same settled promise
  });

  it('a rejection nobody awaits is never an unhandledRejection', async () => {
    process.on('unhandledRejection', onUnhandled);
    const { registry, attach, server } = registryHarness();
    attach();
    const sub = registry.add('BAD', noop);
    void sub.ready; // read, never awaited
    server({ op: 'error', topic: 'BAD', code: 'forbidden', message: 'no' });
    const late = registry.add('BAD2', noop);
    server({ op: 'error', topic: 'BAD2', code: 'forbidden', message: 'no' });
    void late.ready; // read after it failed: an already-rejected promise
    await new Promise<void>((resolve) => setImmediate(resolve));
    await new Promise<void>((resolve) => setImmediate(resolve));
    expect(unhandled).toEqual([]);
  });
});
