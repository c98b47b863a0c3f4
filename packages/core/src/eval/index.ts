// Public surface of eval/: GAN metrics (FID on the shipped classifier's features, classifier
// score, class histogram, each with its real-data reference) and VAE test-set bounds. Node-only
// (reads the classifier assets from disk).
export { EvalInputError } from './errors.js';
export { symmetricEigen, type SymmetricEigen } from './symmetric-eigen.js';
export { symmetricSqrt, traceSqrtProduct, type SymmetricSqrt } from './matrix-sqrt.js';
export { FeatureAccumulator, featureStats, type FeatureStats } from './feature-stats.js';
export { frechetDistance, fidFromFeatures, type FrechetDistance } from './fid.js';
export { classPrediction, type ClassPrediction } from './classifier-score.js';
export { classAccuracy, balancedLabels, type ClassAccuracy } from './class-accuracy.js';
export {
  CLASSIFIER_DATASETS,
  FEATURE_LAYER,
  assertClassifierDataset,
  classifierAssetDir,
  loadEvalClassifier,
  type ClassifierDataset,
  type ClassifierInfo,
  type EvalClassifier,
} from './classifier.js';
export {
  GanEvaluator,
  computeGanMetrics,
  type GanEvaluationOptions,
  type GanMetrics,
  type ImageGenerator,
} from './gan-metrics.js';
export { evaluateVae, type VaeEvaluation, type VaeEvaluationOptions } from './vae-bounds.js';
