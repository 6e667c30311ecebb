import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  exponentialCeiling,
  hintedDelay,
  strategies,
  unitInterval,
  type BackoffOptions,
  type JitterKind,
  type RandomSource,
} from '../../../src/core/backoff.js';
import { seeded } from '../../helpers/random.js';

const JITTERED = ['full', 'equal', 'decorrelated'] as const;

/** Attempts up to 10_000, biased towards the early ones where the ceiling is not yet capped. */
const attempts = fc.oneof(fc.integer({ min: 1, max: 20 }), fc.integer({ min: 1, max: 10_000 }));

/**
 * A random value in `[0, 1)`. `fc.double` alone is log-biased towards 0 (most floats are
 * tiny), so mix in a uniform draw and the largest value below 1.
 */
const unit = fc.oneof(
  fc.integer({ min: 0, max: 0xffff_ffff }).map((n) => n / 2 ** 32),
  fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
  fc.constant(1 - 2 ** -53),
);

/** Valid options: `initial > 0`, `max >= initial`, `factor >= 1`, including overflow-sized factors. */
const options = (maxRatio = 1e6): fc.Arbitrary<BackoffOptions> =>
  fc
    .record({
      initialDelayMs: fc.double({ min: 1e-3, max: 1e6, noNaN: true }),
      ratio: fc.double({ min: 1, max: maxRatio, noNaN: true }),
      factor: fc.oneof(fc.double({ min: 1, max: 4, noNaN: true }), fc.double({ min: 4, max: 1e300, noNaN: true })),
    })
    .map(({ initialDelayMs, ratio, factor }) => ({ initialDelayMs, maxDelayMs: initialDelayMs * ratio, factor }));

/** The delay of `attempt` for one client that has failed `attempt` times in a row. */
function delayAt(kind: JitterKind, attempt: number, o: BackoffOptions, random: RandomSource): number {
  let previous = 0;
  for (let n = 1; n <= attempt; n++) previous = strategies[kind](n, previous, o, random);
  return previous;
}

describe('backoff strategies', () => {
  it('the exponential ceiling stays in [initial, max], never decreases, and survives overflow', () => {
    fc.assert(
      fc.property(options(), attempts, (o, attempt) => {
        const c = exponentialCeiling(attempt, o);
        expect(Number.isFinite(c)).toBe(true);
        expect(c).toBeGreaterThanOrEqual(o.initialDelayMs);
        expect(c).toBeLessThanOrEqual(o.maxDelayMs);
        expect(exponentialCeiling(attempt + 1, o)).toBeGreaterThanOrEqual(c);
      }),
    );
  });

  it('every delay of every strategy is within its bounds at any attempt up to 10_000', () => {
    const kind = fc.constantFrom<JitterKind>('none', 'full', 'equal', 'decorrelated');
    fc.assert(
      fc.property(kind, options(), attempts, fc.oneof(unit, fc.constant(1)), unit, (k, o, attempt, previousShare, r) => {
        const previousMs = attempt === 1 ? 0 : previousShare * o.maxDelayMs;
        const d = strategies[k](attempt, previousMs, o, () => r);
        const ceiling = exponentialCeiling(attempt, o);
        expect(Number.isFinite(d)).toBe(true);
        expect(d).toBeGreaterThanOrEqual(0);
        expect(d).toBeLessThanOrEqual(o.maxDelayMs);
        if (k === 'none') expect(d).toBe(ceiling);
        if (k === 'full') expect(d).toBeLessThanOrEqual(ceiling);
        if (k === 'equal') {
          expect(d).toBeGreaterThanOrEqual(ceiling / 2);
          expect(d).toBeLessThanOrEqual(ceiling);
        }
        if (k === 'decorrelated') expect(d).toBeGreaterThanOrEqual(o.initialDelayMs);
      }),
    );
  });

  it('jitter survives the cap: a fleet at attempt 50 is spread below maxDelayMs, not piled on it', () => {
    // Options whose ceiling reaches the cap long before attempt 50, with room for decorrelated
    // jitter to spread (`initial <= max / 2`).
    const capped = fc.record({
      initialDelayMs: fc.double({ min: 1, max: 1e4, noNaN: true }),
      ratio: fc.double({ min: 2, max: 1e4, noNaN: true }),
      factor: fc.double({ min: 1.5, max: 10, noNaN: true }),
    });
    fc.assert(
      fc.property(capped, fc.integer(), ({ initialDelayMs, ratio, factor }, seed) => {
        const o = { initialDelayMs, maxDelayMs: initialDelayMs * ratio, factor };
        const random = seeded(seed);
        expect(delayAt('none', 50, o, random)).toBe(o.maxDelayMs);
        for (const kind of JITTERED) {
          const fleet = Array.from({ length: 200 }, () => delayAt(kind, 50, o, random));
          const spread = Math.max(...fleet) - Math.min(...fleet);
          expect(spread, kind).toBeGreaterThan(0.1 * o.maxDelayMs);
          expect(fleet.filter((d) => d === o.maxDelayMs).length, kind).toBeLessThan(10);
        }
      }),
      { numRuns: 50 },
    );
  });

  it('the first retry is jittered too: a fleet does not retry attempt 1 in lockstep', () => {
    const firstRetry = fc.record({
      initialDelayMs: fc.double({ min: 1, max: 1e5, noNaN: true }),
      ratio: fc.double({ min: 1.1, max: 1e4, noNaN: true }),
      factor: fc.double({ min: 1, max: 10, noNaN: true }),
    });
    fc.assert(
      fc.property(firstRetry, fc.integer(), ({ initialDelayMs, ratio, factor }, seed) => {
        const o = { initialDelayMs, maxDelayMs: initialDelayMs * ratio, factor };
        const random = seeded(seed);
        for (const kind of JITTERED) {
          const fleet = new Set(Array.from({ length: 20 }, () => strategies[kind](1, 0, o, random)));
          expect(fleet.size, kind).toBeGreaterThan(1);
        }
        expect(strategies.none(1, 0, o, random)).toBe(o.initialDelayMs);
      }),
    );
  });
});

describe('unitInterval (what a user random source is forced into)', () => {
  it('keeps [0, 1) as is and maps 1 or more just below 1, and negative or NaN to 0', () => {
    expect([0, 0.25, 1 - Number.EPSILON].map(unitInterval)).toEqual([0, 0.25, 1 - Number.EPSILON]);
    expect([1, 2, Number.POSITIVE_INFINITY].map(unitInterval)).toEqual([1 - Number.EPSILON, 1 - Number.EPSILON, 1 - Number.EPSILON]);
    expect([-1, Number.NaN, Number.NEGATIVE_INFINITY].map(unitInterval)).toEqual([0, 0, 0]);
  });
});

describe('hintedDelay', () => {
  it('is never below min(hint, maxHintMs) and below 1.2 times it', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 1, max: 1e7, noNaN: true }),
        fc.oneof(fc.double({ min: 0, max: 2e7, noNaN: true }), fc.constant(Number.POSITIVE_INFINITY)),
        unit,
        (maxHintMs, hintMs, r) => {
          const d = hintedDelay(hintMs, maxHintMs, () => r);
          const h = Math.min(hintMs, maxHintMs);
          expect(d).toBeGreaterThanOrEqual(h);
          expect(d).toBeLessThanOrEqual(h * 1.2);
        },
      ),
    );
  });

  it('spreads a fleet told the same hint by up to 20%, even a hint at maxDelayMs or the bound', () => {
    for (const [hint, bound] of [
      [1_000, 30_000],
      [8_000, 300_000],
      [300_000, 300_000],
    ] as const) {
      const random = seeded(7);
      const fleet = Array.from({ length: 100 }, () => hintedDelay(hint, bound, random));
      expect(Math.min(...fleet)).toBeGreaterThanOrEqual(hint);
      expect(Math.max(...fleet)).toBeLessThan(hint * 1.2);
      expect(new Set(fleet).size).toBeGreaterThan(90);
    }
  });

  it('treats a negative or NaN hint as 0, never as a negative or NaN delay', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.double({ max: 0, noNaN: true }), fc.constant(Number.NaN), fc.constant(Number.NEGATIVE_INFINITY)),
        fc.double({ min: 1e-3, max: 1e7, noNaN: true }),
        unit,
        (hintMs, maxHintMs, r) => {
          expect(hintedDelay(hintMs, maxHintMs, () => r)).toBe(0);
        },
      ),
    );
  });
});
