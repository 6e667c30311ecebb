import { describe, expect, it } from 'vitest';
import { isStreamClientError } from '../../../src/core/errors.js';
import { registryHarness } from '../../helpers/registry.js';

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  return undefined;
}

describe('subscribe arguments', () => {
  it('bad arguments are a typed INVALID_OPTIONS naming the argument; nothing is registered or sent', () => {
    const { registry, attach } = registryHarness();
    const s = attach();
    const noop = (): void => {};
    const cases: [() => unknown, string][] = [
      [() => registry.add('', noop), 'topic'],
      [() => registry.add(42 as unknown as string, noop), 'topic'],
      [() => registry.add('A', 'nope' as unknown as () => void), 'onData'],
      [() => registry.add('A', noop, null as unknown as object), 'options'],
      [() => registry.add('A', noop, { staleAfterMs: 0 }), 'staleAfterMs'],
      [() => registry.add('A', noop, { staleAfterMs: 0.5 }), 'staleAfterMs'], // the client's stale.afterMs rule: >= 1
      [() => registry.add('A', noop, { staleAfterMs: Number.NaN }), 'staleAfterMs'],
      [() => registry.add('A', noop, { staleAfterMs: -5 }), 'staleAfterMs'],
      [() => registry.add('A', noop, { staleAfterMs: 3e9 }), 'staleAfterMs'],
      [() => registry.add('A', noop, { staleAfterMs: '100' as unknown as number }), 'staleAfterMs'],
      [() => registry.add('A', noop, { onGap: 'x' as unknown as () => void }), 'onGap'],
      [() => registry.add('A', noop, { onStale: 1 as unknown as () => void }), 'onStale'],
    ];
    for (const [call, option] of cases) {
      const err = thrown(call);
      expect(isStreamClientError(err, 'INVALID_OPTIONS') && err.details, option).toEqual({ option });
    }
    expect(registry.size).toBe(0);
    expect(s.frames).toEqual([]);
    expect(registry.add('A', noop, { staleAfterMs: 2_147_483_647 }).state).toBe('pending');
  });
});
