import { describe, expect, it } from 'vitest';
import { balancedLabels, classAccuracy } from '../../src/eval/index.js';

describe('classAccuracy', () => {
  it('is the share of images whose argmax is their label, overall and per label', () => {
    // 4 images, 3 classes: argmax 0, 2, 2, 1.
    const p = [0.8, 0.1, 0.1, 0.2, 0.3, 0.5, 0.1, 0.1, 0.8, 0.2, 0.7, 0.1];
    const r = classAccuracy(p, 3, [0, 2, 1, 1]);
    expect(r.accuracy).toBe(0.75);
    expect(r.perClass).toEqual([1, 0.5, 1]);
    expect(r.counts).toEqual([1, 2, 1]);
    expect(classAccuracy(p, 3, [0, 0, 0, 0]).perClass).toEqual([0.25, Number.NaN, Number.NaN]);
    expect(() => classAccuracy(p, 3, [0, 1])).toThrow('Class accuracy needs one label per image: got 2 labels for 4 images.');
    expect(() => classAccuracy(p, 3, [0, 1, 3, 0])).toThrow('Labels must be classes in [0, 3) of the classifier; got 3.');
  });

  it('draws as many samples of each class: sample i is class i mod classes', () => {
    expect(Array.from(balancedLabels(7, 3))).toEqual([0, 1, 2, 0, 1, 2, 0]);
  });
});
