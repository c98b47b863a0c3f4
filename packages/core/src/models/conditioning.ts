// Model option `conditional`: class-conditional models, built from stock tfjs layers only, so a
// conditional checkpoint loads in stock tf.loadLayersModel as a two-input model.
//
// Every conditional sub-model takes a second input, the class: an int32 tensor [n, 1] of labels
// in [0, classes), named '<prefix>_class' and listed after the model's first input.
//   dcgan's G:   z and the one-hot class are concatenated. The layer z meets next is dense, so
//                its kernel's rows for the one-hot are the learned class embedding (one row per
//                class, in that layer's own space). We first joined a separate embedding
//                (latentDim values, N(0, 1) at start like PyTorch's nn.Embedding): its norm
//                (~10) matched z's, G's BatchNorm normalised the two together, the class drowned
//                the noise, and the FID rose with training (57 after 4 epochs against 6.0 with
//                the one-hot, and 27.5 for the unconditional model; BENCHMARKS.md,
//                "Class-conditional DCGAN").
//   mlp-gan's G, the VAE's decoder: z and that learned embedding are concatenated. Here the
//                one-hot measured worse: the mlp-gan (no BatchNorm) drew no class at all after
//                300 steps where the embedding's rows already showed their digits, and the VAE's
//                encoder, which sees the image, puts the class into z, so a decoder given a
//                one-hot learns to read it slowly (class accuracy after 3 epochs 31 % against 91 %).
//   encoder:     the image's features and the class embedding are concatenated before the
//                layers that give mean and logVar, so q(z | x, y) sees the class.
//   D:           a projection discriminator (Miyato & Koyama, "cGANs with Projection
//                Discriminator", 2018): logit = psi(phi(x)) + <embed(y), phi(x)>, phi(x) the
//                features that feed D's last dense layer. We chose it over ACGAN's auxiliary
//                classifier because D keeps one logit, so every GAN loss (minimax to WGAN-GP,
//                whose penalty differentiates D with respect to the image for a fixed label)
//                works unchanged, and because ACGAN's classification loss is known to push G
//                towards easily classified, less varied samples (the projection paper's
//                comparison).
// The Trainer feeds each sample's own label (Batch.labels) to both G and D: generated samples of
// a step are drawn for the classes of the real samples they stand next to, so the class mix of
// fakes is the data's and, being keyed by the global sample index like the noise, does not
// depend on how the batch is split over workers.
import * as tf from '#tfjs';
import { ModelOptionError } from './errors.js';
import { layerSeed } from './initializers.js';

/** Classes of a model built without `classes`. */
export const DEFAULT_CLASSES = 10;

/** The class count of a conditional model, or null; `classes` without `conditional: true` is refused. */
export function readConditioning(model: string, o: { conditional?: boolean; classes?: number }): number | null {
  if (o.conditional === true) return o.classes ?? DEFAULT_CLASSES;
  if (o.classes !== undefined) {
    throw new ModelOptionError(`${model} option 'classes' applies only with conditional: true; add conditional: true or drop classes.`);
  }
  return null;
}

/**
 * The options record of a model's conditioning: empty when unconditional, so the options (and
 * every checkpoint of an unconditional model) stay what they were before the option existed.
 */
export function conditioningOptions(classes: number | null): Record<string, unknown> {
  return classes === null ? {} : { conditional: true, classes };
}

/** The class input of a sub-model: int32 labels [n, 1]. */
export function classInput(prefix: string): tf.SymbolicTensor {
  return tf.input({ shape: [1], dtype: 'int32', name: `${prefix}_class` });
}

/** A learned embedding of the class, [n, units]; `stddev` of its N(0, stddev) start, seeded by its name. */
export function embedClass(label: tf.SymbolicTensor, name: string, classes: number, units: number, seed: number, stddev = 1): tf.SymbolicTensor {
  const embedding = tf.layers.embedding({
    inputDim: classes,
    outputDim: units,
    embeddingsInitializer: tf.initializers.randomNormal({ mean: 0, stddev, seed: layerSeed(seed, name) }),
    name,
  });
  const e = embedding.apply(label) as tf.SymbolicTensor;
  return tf.layers.flatten({ name: `${name}_flat` }).apply(e) as tf.SymbolicTensor;
}

/**
 * The one-hot class, [n, classes]: a frozen identity embedding, because it is a stock layer that
 * tf.loadLayersModel reads (tfjs 4.22's categoryEncoding rejects the [n, 1] labels at predict).
 * A frozen layer's table never changes, so replicas neither average nor sync it.
 */
export function oneHotClass(label: tf.SymbolicTensor, name: string, classes: number): tf.SymbolicTensor {
  const table = tf.layers.embedding({ inputDim: classes, outputDim: classes, embeddingsInitializer: 'identity', trainable: false, name });
  const e = table.apply(label) as tf.SymbolicTensor;
  return tf.layers.flatten({ name: `${name}_flat` }).apply(e) as tf.SymbolicTensor;
}

/** [z, oneHot(label)] concatenated: how dcgan's G is given the class. */
export function joinOneHotClass(z: tf.SymbolicTensor, label: tf.SymbolicTensor, classes: number): tf.SymbolicTensor {
  const e = oneHotClass(label, 'g_class_onehot', classes);
  return tf.layers.concatenate({ name: 'g_join_class' }).apply([z, e]) as tf.SymbolicTensor;
}

/** [x, embed(label)] concatenated: how mlp-gan's G and the VAE's decoder and encoder are given the class. */
export function joinClassEmbedding(x: tf.SymbolicTensor, label: tf.SymbolicTensor, prefix: string, classes: number, units: number, seed: number): tf.SymbolicTensor {
  const e = embedClass(label, `${prefix}_class_embed`, classes, units, seed);
  return tf.layers.concatenate({ name: `${prefix}_join_class` }).apply([x, e]) as tf.SymbolicTensor;
}

/**
 * The projection discriminator's output: `logit` + <embed(label), features>, with an embedding
 * as wide as the features (its start N(0, stddev), like D's other weights).
 */
export function projectClass(logit: tf.SymbolicTensor, features: tf.SymbolicTensor, label: tf.SymbolicTensor, classes: number, seed: number, stddev: number): tf.SymbolicTensor {
  const width = features.shape[features.shape.length - 1] as number;
  const e = embedClass(label, 'd_class_embed', classes, width, seed, stddev);
  const projection = tf.layers.dot({ axes: 1, name: 'd_projection' }).apply([e, features]) as tf.SymbolicTensor;
  return tf.layers.add({ name: 'd_logit_class' }).apply([logit, projection]) as tf.SymbolicTensor;
}
