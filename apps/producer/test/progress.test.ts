import { expectedTotal } from '../src/progress';

describe('expectedTotal (the progress bar’s 100 %)', () => {
  it('is --count, or rate × --duration, or open-ended', () => {
    expect(expectedTotal({ count: 500, rate: 10, durationMs: undefined })).toBe(500);
    expect(expectedTotal({ count: undefined, rate: 100, durationMs: 3_000 })).toBe(300);
    expect(expectedTotal({ count: undefined, rate: 0.5, durationMs: 3_000 })).toBe(2);
    expect(expectedTotal({ count: undefined, rate: 10, durationMs: undefined })).toBeUndefined();
  });

  it('with both, whichever ends the run first: --rate 100 --duration 3s --count 100000 sends 300, not 100,000', () => {
    expect(expectedTotal({ count: 100_000, rate: 100, durationMs: 3_000 })).toBe(300);
    expect(expectedTotal({ count: 50, rate: 100, durationMs: 3_000 })).toBe(50);
  });
});
