import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { getPreset, PRESET_NAMES } from '../../../src-shared/presets';
import { inferShapes } from '../../../src-shared/shapes';
import type { ModelSpec } from '../../../src-shared/spec';
import { buildModel, countParameters } from './build';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** Pair each table row's NHWC shape with the output of the last tfjs layer named after the row. */
function tfjsShapesByRow(spec: ModelSpec) {
  const model = buildModel(spec, getPreset('nin-28').hyperparameters);
  const table = inferShapes(spec);
  const shapes = table.layers
    .filter((row) => row.kind !== 'gap' && row.kind !== 'flatten')
    .map((row) => {
      const layers = model.layers.filter(
        (layer) => layer.name === row.name || layer.name.startsWith(`${row.name}_`),
      );
      return {
        expected: row.outputShape.nhwc.slice(1),
        actual: (layers.at(-1)!.outputShape as number[]).slice(1),
      };
    });
  // tfjs's global average pooling also flattens, so its output is the table's flatten row.
  shapes.push({
    expected: table.layers.at(-1)!.outputShape.nhwc.slice(1),
    actual: (model.outputs[0].shape as number[]).slice(1),
  });
  const parameters = countParameters(model);
  model.dispose();
  return { shapes, parameters, table };
}

describe('buildModel', () => {
  it.each(PRESET_NAMES)('agrees with the shape table for %s', (name) => {
    const { shapes, parameters, table } = tfjsShapesByRow(getPreset(name).spec);
    for (const { expected, actual } of shapes) expect(actual).toEqual(expected);
    expect(parameters).toBe(table.totalParameters);
  });

  it('pads explicitly where tfjs has no matching mode', () => {
    const spec = getPreset('nin-28').spec;
    spec.body[0] = { type: 'nin', channels: 4, kernel: 4, stride: 2, padding: 3 };
    const { shapes } = tfjsShapesByRow(spec);
    for (const { expected, actual } of shapes) expect(actual).toEqual(expected);
  });

  it('builds the same weights for the same seed', () => {
    const { spec, hyperparameters } = getPreset('nin-28-lite');
    const first = buildModel(spec, hyperparameters);
    const second = buildModel(spec, hyperparameters);
    const a = first.getWeights()[0].dataSync();
    const b = second.getWeights()[0].dataSync();
    expect(Array.from(b)).toEqual(Array.from(a));
    first.dispose();
    second.dispose();
  });

  it('rejects an impossible spec naming the layer', () => {
    const spec = { ...getPreset('d2l').spec, inputSize: 28 };
    expect(() => buildModel(spec, getPreset('d2l').hyperparameters)).toThrow(/maxpool2/);
  });
});
