import { describe, expect, it } from 'vitest';
import { getPreset } from './presets';
import { inferShapes, minimumInputSize, SpecError, tryInferShapes } from './shapes';
import { modelSpecSchema } from './spec';

describe('inferShapes', () => {
  it('matches the chapter table for d2l at 224', () => {
    const table = inferShapes(getPreset('d2l').spec);
    expect(table.layers.map((layer) => layer.outputShape.nchw)).toEqual([
      [1, 96, 54, 54],
      [1, 96, 26, 26],
      [1, 256, 26, 26],
      [1, 256, 12, 12],
      [1, 384, 12, 12],
      [1, 384, 5, 5],
      [1, 384, 5, 5],
      [1, 10, 5, 5],
      [1, 10, 1, 1],
      [1, 10],
    ]);
    expect(table.totalParameters).toBe(1_992_166);
  });

  it('matches the expected table for nin-28', () => {
    const table = inferShapes(getPreset('nin-28').spec);
    expect(table.layers.slice(0, 9).map((layer) => layer.outputShape.nchw.slice(1))).toEqual([
      [96, 28, 28],
      [96, 13, 13],
      [256, 13, 13],
      [256, 6, 6],
      [384, 6, 6],
      [384, 2, 2],
      [384, 2, 2],
      [10, 2, 2],
      [10, 1, 1],
    ]);
    expect(table.totalParameters).toBe(1_982_950);
  });

  it('gives NHWC as the transpose of NCHW', () => {
    const table = inferShapes(getPreset('d2l').spec, 4);
    const first = table.layers[0].outputShape;
    expect(first.nhwc).toEqual([4, 54, 54, 96]);
    expect(first.nchw).toEqual([4, 96, 54, 54]);
  });

  it('counts multiply-adds of the first d2l convolution', () => {
    const conv = inferShapes(getPreset('d2l').spec).layers[0].children[0];
    expect(conv.multiplyAdds).toBe(54 * 54 * 96 * 11 * 11 * 1);
    expect(conv.parameters).toBe(11 * 11 * 96 + 96);
  });

  it('sums parameters and activations', () => {
    const table = inferShapes(getPreset('nin-28').spec);
    const rows = table.layers.reduce((total, layer) => total + layer.parameters, 0);
    expect(table.totalParameters).toBe(rows);
    expect(table.activationBytesPerImage).toBeGreaterThan(4 * 96 * 28 * 28 * 6);
  });

  it('accepts 67 as the smallest d2l input', () => {
    expect(minimumInputSize(getPreset('d2l').spec)).toBe(67);
  });

  it.each([
    [66, 5, 'maxpool3', 2],
    [28, 3, 'maxpool2', 2],
  ])('rejects d2l at %i naming the empty layer', (inputSize, layerIndex, layerName, size) => {
    const spec = { ...getPreset('d2l').spec, inputSize };
    const result = tryInferShapes(spec);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.issue.layerIndex).toBe(layerIndex);
    expect(result.issue.layerName).toBe(layerName);
    expect(result.issue.inputSize).toBe(size);
    expect(result.message).toContain(`${size}×${size}`);
    expect(result.message).toContain(layerName);
  });

  it('names a NiN block whose kernel exceeds its input', () => {
    const spec = { ...getPreset('nin-28').spec, inputSize: 4 };
    spec.body[0] = { type: 'nin', channels: 8, kernel: 7, stride: 1, padding: 0 };
    expect(() => inferShapes(spec)).toThrow(SpecError);
    expect(() => inferShapes(spec)).toThrow(/Layer 1 \(nin1\).*7×7 kernel/);
  });
});

describe('modelSpecSchema', () => {
  it('accepts every preset', () => {
    for (const name of ['d2l', 'nin-28', 'nin-28-lite'] as const) {
      expect(modelSpecSchema.safeParse(getPreset(name).spec).success).toBe(true);
    }
  });

  it.each([
    ['zero channels', { type: 'nin', channels: 0, kernel: 3, stride: 1, padding: 1 }],
    ['fractional kernel', { type: 'nin', channels: 8, kernel: 2.5, stride: 1, padding: 1 }],
    ['dropout rate 1', { type: 'dropout', rate: 1 }],
    ['unknown layer', { type: 'batchnorm' }],
  ])('rejects %s', (_label, layer) => {
    const spec = { ...getPreset('nin-28').spec, body: [layer] };
    expect(modelSpecSchema.safeParse(spec).success).toBe(false);
  });
});
