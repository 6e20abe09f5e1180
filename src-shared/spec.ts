// The NiN architecture and its hyperparameters as data, with zod schemas.
// Imported by the main process, the training worker and the renderer: no Node imports here.
import { z } from 'zod';

/** Classes in Fashion-MNIST; the classifier block always has this many channels. */
export const CLASS_COUNT = 10;

const positiveInt = (max: number) => z.number().int().min(1).max(max);

/** A NiN block: a k×k convolution + ReLU, then two 1×1 convolutions, each + ReLU. */
export const ninBlockSchema = z.object({
  type: z.literal('nin'),
  channels: positiveInt(2048),
  kernel: positiveInt(31),
  stride: positiveInt(16),
  padding: z.number().int().min(0).max(15),
});

export const maxPoolSchema = z.object({
  type: z.literal('maxpool'),
  window: positiveInt(31),
  stride: positiveInt(16),
});

export const dropoutSchema = z.object({
  type: z.literal('dropout'),
  /** Fraction of activations zeroed during training, in [0, 1). */
  rate: z.number().min(0).lt(1),
});

export const bodyLayerSchema = z.discriminatedUnion('type', [
  ninBlockSchema,
  maxPoolSchema,
  dropoutSchema,
]);

/** The last NiN block: its channel count is fixed to the number of classes. */
export const classifierSchema = z.object({
  kernel: positiveInt(31),
  stride: positiveInt(16),
  padding: z.number().int().min(0).max(15),
});

/**
 * The whole network: a square one-channel input, the body, the classifier NiN block,
 * then global average pooling and flatten (always present, so they are not listed).
 */
export const modelSpecSchema = z.object({
  inputSize: z.number().int().min(1).max(512),
  body: z.array(bodyLayerSchema).min(1).max(32),
  classifier: classifierSchema,
});

export type NinBlock = z.infer<typeof ninBlockSchema>;
export type MaxPool = z.infer<typeof maxPoolSchema>;
export type Dropout = z.infer<typeof dropoutSchema>;
export type BodyLayer = z.infer<typeof bodyLayerSchema>;
export type ClassifierBlock = z.infer<typeof classifierSchema>;
export type ModelSpec = z.infer<typeof modelSpecSchema>;

export const INITIALIZERS = [
  'glorotUniform',
  'glorotNormal',
  'heUniform',
  'heNormal',
  'lecunNormal',
] as const;
export type InitializerName = (typeof INITIALIZERS)[number];

export const OPTIMIZERS = ['adam', 'sgd'] as const;
export type OptimizerName = (typeof OPTIMIZERS)[number];

/** Training hyperparameters, each documented with its unit or range. */
export const hyperparametersSchema = z.object({
  optimizer: z.enum(OPTIMIZERS),
  /** Step size of the optimiser, in (0, 10]. */
  learningRate: z.number().gt(0).max(10),
  /** Momentum of SGD, in [0, 1); ignored by Adam. */
  momentum: z.number().min(0).lt(1),
  /** Images per optimiser step, 1 to 1024. */
  batchSize: z.number().int().min(1).max(1024),
  /** Passes over the training split, 1 to 1000. */
  epochs: z.number().int().min(1).max(1000),
  /** Weight initialiser of every convolution; biases start at zero. */
  initializer: z.enum(INITIALIZERS),
  /** Seed of weight initialisation, shuffling and dropout, a non-negative integer. */
  seed: z
    .number()
    .int()
    .min(0)
    .max(2 ** 31 - 1),
});
export type Hyperparameters = z.infer<typeof hyperparametersSchema>;

/** Return the dropout rate of the first dropout layer, or null when the body has none. */
export function dropoutRateOf(spec: ModelSpec): number | null {
  const dropout = spec.body.find((layer): layer is Dropout => layer.type === 'dropout');
  return dropout ? dropout.rate : null;
}

/** Return a copy of the spec with every dropout layer set to `rate`. */
export function withDropoutRate(spec: ModelSpec, rate: number): ModelSpec {
  return {
    ...spec,
    body: spec.body.map((layer) => (layer.type === 'dropout' ? { ...layer, rate } : layer)),
  };
}
