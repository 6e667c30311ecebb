import { describe, expect, it } from 'vitest';
import { checkBudget, compareFigure, compareRuns, figureOf, showChange, type Figure } from '../../../bench/compare.js';

const noisy = (value: number, min: number, max: number, over: Partial<Figure> = {}): Figure => ({
  id: 'idle.bytes.steadystream',
  label: 'idle',
  unit: 'KB',
  kind: 'absolute',
  better: 'lower',
  value,
  min,
  max,
  samples: 5,
  ...over,
});

describe('bench baseline comparison', () => {
  it('calls a shift "within noise" while the per-round intervals overlap, even when the median moved', () => {
    const c = compareFigure(noisy(5.0, 4.8, 5.4), noisy(5.3, 5.2, 5.6));
    expect(c.verdict).toBe('within noise');
    expect(c.change).toBeCloseTo(0.06, 10);
  });

  it('calls it changed, in the right direction, only when the intervals do not overlap', () => {
    expect(compareFigure(noisy(5.0, 4.8, 5.1), noisy(6.0, 5.9, 6.2)).verdict).toBe('worse');
    expect(compareFigure(noisy(6.0, 5.9, 6.2), noisy(5.0, 4.8, 5.1)).verdict).toBe('better');
    const higher = { better: 'higher' as const, kind: 'ratio' as const, unit: 'x' };
    expect(compareFigure(noisy(0.93, 0.92, 0.95, higher), noisy(0.99, 0.97, 1.0, higher)).verdict).toBe('better');
    expect(compareFigure(noisy(0.99, 0.97, 1.0, higher), noisy(0.93, 0.92, 0.95, higher)).verdict).toBe('worse');
  });

  it('touching intervals are noise, not change', () => {
    expect(compareFigure(noisy(5.0, 4.8, 5.2), noisy(5.4, 5.2, 5.6)).verdict).toBe('within noise');
  });

  it('gives no verdict on a noisy figure with fewer than 3 samples', () => {
    const c = compareFigure(noisy(5.0, 5.0, 5.0, { samples: 1 }), noisy(9.0, 9.0, 9.0, { samples: 1 }));
    expect(c.verdict).toBe('inconclusive');
  });

  it('calls any difference of a deterministic figure a change, and equality unchanged', () => {
    const det = (v: number) => noisy(v, v, v, { deterministic: true, samples: 1, unit: 'attempts' });
    expect(compareFigure(det(2216), det(2216)).verdict).toBe('unchanged');
    expect(compareFigure(det(2216), det(2217)).verdict).toBe('worse');
    expect(compareFigure(det(2216), det(2100)).verdict).toBe('better');
  });

  it('lists figures new in this run and figures the run no longer measures', () => {
    const a = noisy(1, 1, 1, { id: 'a' });
    const b = noisy(1, 1, 1, { id: 'b' });
    const c = noisy(1, 1, 1, { id: 'c' });
    const out = compareRuns([a, b], [b, c]);
    expect(out.map((x) => [x.id, x.verdict])).toEqual([
      ['b', 'within noise'],
      ['c', 'new'],
      ['a', 'gone'],
    ]);
  });

  it('checks budgets on the reported value: max, min, exclusive bounds, and missing figures', () => {
    expect(checkBudget(noisy(6.0, 5, 7), { max: 6, goal: '' })).toBe('within');
    expect(checkBudget(noisy(6.01, 5, 7), { max: 6, goal: '' })).toBe('over');
    expect(checkBudget(noisy(0.97, 0.9, 1), { min: 0.97, goal: '' })).toBe('within');
    expect(checkBudget(noisy(0.96, 0.9, 1), { min: 0.97, goal: '' })).toBe('over');
    expect(checkBudget(noisy(1, 1, 1), { max: 1, exclusive: true, goal: '' })).toBe('over');
    expect(checkBudget(noisy(0.99, 1, 1), { max: 1, exclusive: true, goal: '' })).toBe('within');
    expect(checkBudget(undefined, { max: 1, goal: '' })).toBe('not measured');
    expect(checkBudget(noisy(NaN, NaN, NaN), { max: 1, goal: '' })).toBe('not measured');
    expect(checkBudget(noisy(1, 1, 1), undefined)).toBe('no budget');
  });

  it('builds a figure from samples: median, range, count, ignoring non-finite samples', () => {
    const f = figureOf({ id: 'x', label: 'x', unit: 'ms', kind: 'absolute', better: 'lower' }, [300, 100, NaN, 200, 900]);
    expect([f.value, f.min, f.max, f.samples]).toEqual([250, 100, 900, 4]);
    expect(showChange(0.031)).toBe('+3.1%');
    expect(showChange(-0.004)).toBe('−0.4%');
  });
});
