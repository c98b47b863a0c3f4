import { EvalInputError } from './errors.js';

/** What the evaluation classifier says about a set of images, from its softmax outputs. */
export interface ClassPrediction {
  /**
   * exp(E_x KL(p(y|x) ‖ p(y))), the Inception-score analogue on our classifier: 1 when every
   * image gets the same prediction, numClasses when predictions are confident and the predicted
   * classes are uniformly spread. Low values with a peaked histogram mean mode collapse.
   */
  classifierScore: number;
  /** How many images the classifier assigns (argmax) to each class. */
  classHistogram: number[];
}

/** Classifier score and argmax histogram of row-major probabilities [n·numClasses], in float64. */
export function classPrediction(probabilities: ArrayLike<number>, numClasses: number): ClassPrediction {
  if (!Number.isInteger(numClasses) || numClasses < 2 || probabilities.length % numClasses !== 0 || probabilities.length === 0) {
    throw new EvalInputError(
      `Class probabilities must be a non-empty row-major [n, ${numClasses}] array; got ${probabilities.length} values.`,
    );
  }
  const n = probabilities.length / numClasses;
  const marginal = new Float64Array(numClasses);
  const classHistogram = new Array<number>(numClasses).fill(0);
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let y = 0; y < numClasses; y++) {
      const p = probabilities[i * numClasses + y];
      marginal[y] += p;
      if (p > probabilities[i * numClasses + best]) best = y;
    }
    classHistogram[best]++;
  }
  for (let y = 0; y < numClasses; y++) marginal[y] /= n;
  let meanKl = 0;
  for (let i = 0; i < n; i++) {
    for (let y = 0; y < numClasses; y++) {
      const p = probabilities[i * numClasses + y];
      // 0·log 0 = 0; p > 0 implies marginal[y] > 0.
      if (p > 0) meanKl += p * (Math.log(p) - Math.log(marginal[y]));
    }
  }
  meanKl /= n;
  // KL ≥ 0 exactly; float32 softmax rows that do not sum to exactly 1 can leave −1e−7.
  return { classifierScore: Math.exp(Math.max(0, meanKl)), classHistogram };
}
