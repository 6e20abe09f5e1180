// Builds the TensorFlow.js model that a NiN spec describes.
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import {
  CLASS_COUNT,
  type Hyperparameters,
  type ModelSpec,
  type NinBlock,
} from '../../../src-shared/spec';
import { inferShapes } from '../../../src-shared/shapes';

type Initializer = ReturnType<typeof tfl.initializers.glorotUniform>;

/** Return a fresh initialiser of the chosen kind; each layer gets its own seed. */
function makeInitializer(name: Hyperparameters['initializer'], seed: number): Initializer {
  switch (name) {
    case 'glorotUniform':
      return tfl.initializers.glorotUniform({ seed });
    case 'glorotNormal':
      return tfl.initializers.glorotNormal({ seed });
    case 'heUniform':
      return tfl.initializers.heUniform({ seed });
    case 'heNormal':
      return tfl.initializers.heNormal({ seed });
    case 'lecunNormal':
      return tfl.initializers.leCunNormal({ seed });
  }
}

interface BuildContext {
  model: tfl.Sequential;
  hyperparameters: Pick<Hyperparameters, 'initializer' | 'seed'>;
  layerCount: number;
}

function addConv(
  context: BuildContext,
  name: string,
  filters: number,
  kernel: number,
  stride: number,
  padding: number,
): void {
  // tfjs-layers supports only 'valid' and 'same' padding; 'same' equals an explicit padding of
  // (kernel - 1) / 2 for stride 1 and an odd kernel, and any other amount gets its own padding layer.
  const same = stride === 1 && kernel % 2 === 1 && padding === (kernel - 1) / 2;
  if (!same && padding > 0) {
    context.model.add(tfl.layers.zeroPadding2d({ name: `${name}_pad`, padding }));
  }
  context.layerCount += 1;
  context.model.add(
    tfl.layers.conv2d({
      name,
      filters,
      kernelSize: kernel,
      strides: stride,
      padding: same ? 'same' : 'valid',
      // ReLU inside the layer lets tfjs-layers run the FusedConv2D kernel (bias + ReLU fused).
      activation: 'relu',
      kernelInitializer: makeInitializer(
        context.hyperparameters.initializer,
        context.hyperparameters.seed * 1000 + context.layerCount,
      ),
      biasInitializer: 'zeros',
    }),
  );
}

function addNinBlock(context: BuildContext, name: string, block: NinBlock): void {
  addConv(context, `${name}_conv`, block.channels, block.kernel, block.stride, block.padding);
  addConv(context, `${name}_conv1x1a`, block.channels, 1, 1, 0);
  addConv(context, `${name}_conv1x1b`, block.channels, 1, 1, 0);
}

/**
 * Build the NiN described by `spec` as a tfjs Sequential model that outputs logits (NHWC input).
 * Layer names follow the shape table: nin1_conv, maxpool1, dropout1, classifier_conv, gap.
 * Throws SpecError when the spec is impossible.
 */
export function buildModel(
  spec: ModelSpec,
  hyperparameters: Pick<Hyperparameters, 'initializer' | 'seed'>,
): tfl.Sequential {
  const table = inferShapes(spec);
  const model = tfl.sequential({ name: 'nin' });
  const context: BuildContext = {
    model,
    hyperparameters,
    layerCount: 0,
  };
  model.add(
    tfl.layers.inputLayer({ name: 'input', inputShape: [spec.inputSize, spec.inputSize, 1] }),
  );

  spec.body.forEach((layer, index) => {
    const name = table.layers[index].name;
    if (layer.type === 'nin') addNinBlock(context, name, layer);
    else if (layer.type === 'maxpool') {
      model.add(
        tfl.layers.maxPooling2d({
          name,
          poolSize: layer.window,
          strides: layer.stride,
          padding: 'valid',
        }),
      );
    } else {
      model.add(tfl.layers.dropout({ name, rate: layer.rate, seed: hyperparameters.seed }));
    }
  });

  addNinBlock(context, 'classifier', { type: 'nin', channels: CLASS_COUNT, ...spec.classifier });
  // Global average pooling in tfjs already returns [batch, channels], so it also flattens.
  model.add(tfl.layers.globalAveragePooling2d({ name: 'gap' }));
  return model;
}

/** Dropout layers of the model, whose seeds the trainer advances every step. */
export function dropoutLayers(model: tfl.LayersModel): Array<tfl.layers.Layer & { seed?: number }> {
  return model.layers.filter((layer) => layer.getClassName() === 'Dropout');
}

/** Count the model's trainable parameters. */
export function countParameters(model: tfl.LayersModel): number {
  return model.trainableWeights.reduce(
    (total, weight) => total + tf.util.sizeFromShape(weight.shape as number[]),
    0,
  );
}
