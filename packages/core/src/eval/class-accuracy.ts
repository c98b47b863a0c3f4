// Class accuracy of the shipped classifier on images whose class is known: real test images
// (their labels), or samples a conditional model drew for a given class. For a conditional
// model, "samples drawn for class k that the classifier calls k" measures whether the model
// obeys its class input, next to the classifier's own accuracy on real images (its ceiling).
import { EvalInputError } from './errors.js';

export interface ClassAccuracy {
  /** Share of all images whose argmax class is their label, in [0, 1]. */
  accuracy: number;
  /** The same per label k (NaN for a label with no image). */
  perClass: number[];
  /** Images per label. */
  counts: number[];
}

/** Accuracy of row-major probabilities [n·numClasses] against `labels` (n classes). */
export function classAccuracy(probabilities: ArrayLike<number>, numClasses: number, labels: ArrayLike<number>): ClassAccuracy {
  const n = labels.length;
  if (n === 0 || probabilities.length !== n * numClasses) {
    throw new EvalInputError(`Class accuracy needs one label per image: got ${n} labels for ${probabilities.length / numClasses} images.`);
  }
  const right = new Array<number>(numClasses).fill(0);
  const counts = new Array<number>(numClasses).fill(0);
  let correct = 0;
  for (let i = 0; i < n; i++) {
    const label = labels[i];
    if (!Number.isInteger(label) || label < 0 || label >= numClasses) {
      throw new EvalInputError(`Labels must be classes in [0, ${numClasses}) of the classifier; got ${label}.`);
    }
    let best = 0;
    for (let y = 1; y < numClasses; y++) if (probabilities[i * numClasses + y] > probabilities[i * numClasses + best]) best = y;
    counts[label]++;
    if (best === label) {
      right[label]++;
      correct++;
    }
  }
  return { accuracy: correct / n, perClass: right.map((r, k) => (counts[k] === 0 ? Number.NaN : r / counts[k])), counts };
}

/** Label of generated sample i when a conditional model is scored: i mod classes, so every class gets an equal share. */
export function balancedLabels(count: number, classes: number): Int32Array {
  return Int32Array.from({ length: count }, (_, i) => i % classes);
}
