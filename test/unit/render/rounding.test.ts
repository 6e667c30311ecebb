import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normalize, type PrecisionRule } from '../../../src/render/precision.js';
import { roundDp, roundHalfAway, roundInteger, roundSig, stepRounder } from '../../../src/render/rounding.js';

describe('rounding', () => {
  it('every rule rounds a negative value as the mirror of its positive value', () => {
    expect(roundDp(-1.256, 2)).toBe(-1.26);
    expect(roundSig(-1234.5, 3)).toBe(-1230);
    expect(roundSig(-0.00012345, 2)).toBe(-0.00012);
    expect(roundSig(-1.23456e30, 3)).toBe(-1.23e30);
    expect(roundInteger(-2.5)).toBe(-3);
    expect(roundInteger(-2.4)).toBe(-2);
    expect(stepRounder(0.05)(-1.07)).toBe(-1.05);
    expect(Object.is(roundInteger(-0.4), 0)).toBe(true);
    expect(Object.is(roundSig(-0, 3), 0)).toBe(true);
  });

  it('every rule leaves strings, NaN and infinities as they are', () => {
    const rules: PrecisionRule[] = [2, { dp: 2 }, { sig: 3 }, { step: 0.05 }, 'integer'];
    for (const r of rules) {
      const out = normalize({ s: '1.234', n: Number.NaN, i: Infinity, m: -Infinity }, { s: r, n: r, i: r, m: r });
      expect(out.s).toBe('1.234');
      expect(out.n).toBeNaN();
      expect(out.i).toBe(Infinity);
      expect(out.m).toBe(-Infinity);
    }
  });

  it('a fraction within 2 ulp below .5 is a tie and rounds away from zero', () => {
    // 1.5 - 3·2^-52: the fraction is exactly 0.5 - x·2ε, the edge of the tolerance.
    expect(roundHalfAway(1.5 - 3 * 2 ** -52)).toBe(2);
    expect(roundInteger(1.5 - 3 * 2 ** -52)).toBe(2);
    expect(roundHalfAway(1.5 - 2 ** -40)).toBe(1);
  });

  it('significant digits at extreme magnitudes go through the decimal string and stay exact', () => {
    expect(roundSig(1.23456e30, 3)).toBe(1.23e30);
    expect(roundSig(1.23456e-30, 3)).toBe(1.23e-30);
    expect(roundSig(123456, 2)).toBe(120000);
    expect(roundSig(9.87654321e22, 1)).toBe(1e23);
  });

  it('values with 2^49 units of precision or more are left as they are (a double has no reliable finer digit)', () => {
    expect(roundSig(9.876543210987654, 15)).toBe(9.876543210987654); // 15 digits kept: 9.8e14 units
    expect(roundSig(999999999999999.9, 15)).toBe(999999999999999.9); // no decimal places left
    expect(roundSig(98765432109876540000, 15)).toBe(98765432109876540000); // rounded to tens of thousands
    expect(roundSig(999.9999999999999, 15)).toBe(999.9999999999999); // just below a power of ten
    expect(roundDp(56294995.342131205, 7)).toBe(56294995.342131205); // exactly 2^49 units of 1e-7
    expect(roundSig(56294995.342131205, 15)).toBe(56294995.342131205);
    expect(roundDp(2 ** 49 + 0.5, 0)).toBe(2 ** 49 + 0.5);
    expect(roundInteger(2 ** 49 + 0.5)).toBe(2 ** 49 + 0.5);
    expect(stepRounder(0.5)(2 ** 48 + 0.25)).toBe(2 ** 48 + 0.25);
    expect(roundDp(2 ** 48 + 0.5, 0)).toBe(2 ** 48 + 1);
  });

  it('significant digits where the scale reaches 10^23 use the decimal string', () => {
    expect(roundSig(1.2345e-9, 15)).toBe(1.2345e-9); // 23 decimal places
    expect(roundSig(1.23e23, 1)).toBe(1e23); // tens of sextillions
    expect(roundSig(1.5e23, 1)).toBe(2e23);
  });

  it('a step with up to 15 decimals gives the double nearest to n × step as written', () => {
    expect(stepRounder(1e-15)(3e-15)).toBe(3e-15); // 3 * 1e-15 is 3.0000000000000002e-15
    expect(stepRounder(1e-15)(1.3e-14)).toBe(1.3e-14);
    expect(stepRounder(1.5e-14)(9 * 1.5e-14)).toBe(1.35e-13); // 15 decimals as written; 9 * 1.5e-14 is 1.3499999999999998e-13
    expect(stepRounder(1.5e-13)(5 * 1.5e-13)).toBe(7.5e-13);
    expect(stepRounder(2.5e-14)(3 * 2.5e-14)).toBe(7.5e-14);
    expect(stepRounder(0.123456789012345)(3 * 0.123456789012345)).toBe(0.370370367037035);
    expect(stepRounder(1e-23)(3e-23)).toBe(3 * 1e-23); // past 15 decimals: n × step
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 99 }),
        fc.integer({ min: 0, max: 13 }),
        fc.integer({ min: -1_000_000, max: 1_000_000 }),
        fc.double({ min: -0.4, max: 0.4, noNaN: true }),
        (m, d, n, off) => {
          const step = Number(`${m}e-${d}`);
          const exact = Number(`${n * m}e-${d}`);
          expect(stepRounder(step)(exact + off * step)).toBe(exact === 0 ? 0 : exact);
        },
      ),
      { numRuns: 1_000 },
    );
  });

  it('a step given in exponent notation counts the mantissa decimals too (1.5e-7 has 8)', () => {
    const round = stepRounder(1.5e-7);
    expect(round(4.6e-7)).toBe(4.5e-7);
    expect(round(-4.6e-7)).toBe(-4.5e-7);
    expect(stepRounder(2.5e-8)(7.4e-8)).toBe(7.5e-8);
    expect(stepRounder(25)(-37.5)).toBe(-50);
  });
});
