// Trains the evaluation classifier that @dgm/core ships for GAN metrics (FID on its penultimate
// layer, classifier score on its softmax), on the TRAIN split only, and writes
//   packages/core/assets/classifiers/<dataset>/{model.json, weights.bin, info.json}
// info.json records the accuracy on the whole TEST split, measured once after the last epoch
// (the test split never steers training: fixed epochs, no early stopping).
//
// Usage (from the repo root, after `npm run build`):
//   node tools/dist/classifier/train.js --dataset mnist [--architecture cnn|mlp] [--epochs N] [--seed 1] [--out DIR]
import { CLASSIFIER_DATASETS } from '@dgm/core/names';
import { oneOf, readBenchArgs, wholeNumber } from '../bench/bench-args.js';
import { ARCHITECTURES } from './architecture-names.js';

const USAGE = 'node tools/dist/classifier/train.js [--dataset mnist|fashion-mnist] [--architecture cnn|mlp] [--epochs N] [--seed 1] [--out DIR]';

async function main(): Promise<void> {
  // Flags first: a mistake is answered before TensorFlow.js loads (bench-args.ts).
  const { values } = readBenchArgs({
    usage: USAGE,
    config: {
      options: {
        dataset: { type: 'string', default: 'mnist' },
        architecture: { type: 'string', default: 'cnn' },
        epochs: { type: 'string' },
        seed: { type: 'string', default: '1' },
        out: { type: 'string' },
      },
    },
  });
  const dataset = oneOf(values.dataset ?? 'mnist', '--dataset', CLASSIFIER_DATASETS);
  const architecture = oneOf(values.architecture ?? 'cnn', '--architecture', ARCHITECTURES);
  const epochs = values.epochs === undefined ? undefined : wholeNumber(values.epochs, '--epochs', 1, 10_000);
  const seed = wholeNumber(values.seed ?? '1', '--seed', 0, 2 ** 31 - 1);
  const { trainClassifier } = await import('./train-classifier.js');
  await trainClassifier({ dataset, architecture, seed, ...(epochs === undefined ? {} : { epochs }), ...(values.out === undefined ? {} : { out: values.out }) });
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
