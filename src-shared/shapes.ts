// Shape inference for a NiN spec: output shapes, parameter counts and multiply-adds per layer.
// A pure function, so the renderer can show the table as the user types.
import { CLASS_COUNT, type ModelSpec, type NinBlock } from './spec';

export type LayerKind = 'nin' | 'maxpool' | 'dropout' | 'classifier' | 'gap' | 'flatten';
export type SubLayerKind = 'conv' | 'relu';

/** One convolution or ReLU inside a NiN block. */
export interface SubLayerRow {
  name: string;
  kind: SubLayerKind;
  kernel?: number;
  stride?: number;
  padding?: number;
  outputShape: Shape;
  parameters: number;
  multiplyAdds: number;
}

/** Output shape in both layouts: NCHW as the book prints it, NHWC as TensorFlow.js stores it. */
export interface Shape {
  nchw: number[];
  nhwc: number[];
}

export interface LayerRow {
  /** Position in the table, from 0. */
  index: number;
  /** Stable name, also the prefix of the TensorFlow.js layer names: nin1, maxpool1, classifier… */
  name: string;
  kind: LayerKind;
  kernel?: number;
  stride?: number;
  padding?: number;
  /** Rate of a dropout layer. */
  rate?: number;
  outputShape: Shape;
  parameters: number;
  multiplyAdds: number;
  children: SubLayerRow[];
}

export interface ShapeTable {
  batch: number;
  inputShape: Shape;
  layers: LayerRow[];
  totalParameters: number;
  /** Multiply-adds of one forward pass of one image. */
  totalMultiplyAdds: number;
  /** Estimate: every layer's float32 output for one image in a forward pass, in bytes. */
  activationBytesPerImage: number;
}

/** Reason a spec is impossible, with the fields a UI needs to state it in any language. */
export interface SpecIssue {
  layerIndex: number;
  layerName: string;
  kind: LayerKind;
  /** Height and width reaching the layer. */
  inputSize: number;
  /** Window or kernel size, padding and stride of the layer. */
  window: number;
  padding: number;
  stride: number;
}

export class SpecError extends Error {
  constructor(readonly issue: SpecIssue) {
    const { layerIndex, layerName, inputSize, window, padding, stride } = issue;
    // People count table rows from 1.
    const row = layerIndex + 1;
    const what =
      issue.kind === 'maxpool' ? `${window}×${window} pool` : `${window}×${window} kernel`;
    super(
      `Layer ${row} (${layerName}): a ${what} with stride ${stride} and padding ${padding} ` +
        `does not fit its ${inputSize}×${inputSize} input, so its output would be empty. ` +
        'Use a larger input size, or a smaller kernel or window, or fewer pooling layers.',
    );
    this.name = 'SpecError';
  }
}

const shapeOf = (batch: number, channels: number, size: number): Shape => ({
  nchw: [batch, channels, size, size],
  nhwc: [batch, size, size, channels],
});

/** Output size of a convolution or pooling window along one axis; ≤ 0 means empty. */
export function outputSize(input: number, window: number, stride: number, padding: number): number {
  return Math.floor((input + 2 * padding - window) / stride) + 1;
}

interface Cursor {
  batch: number;
  channels: number;
  size: number;
}

function ninBlockRows(name: string, block: NinBlock, at: Cursor): SubLayerRow[] {
  const size = outputSize(at.size, block.kernel, block.stride, block.padding);
  const out = block.channels;
  const conv = (suffix: string, kernel: number, inChannels: number, stride = 1, padding = 0) => ({
    name: `${name}_${suffix}`,
    kind: 'conv' as const,
    kernel,
    stride,
    padding,
    outputShape: shapeOf(at.batch, out, size),
    parameters: kernel * kernel * inChannels * out + out,
    multiplyAdds: size * size * out * kernel * kernel * inChannels,
  });
  const relu = (suffix: string) => ({
    name: `${name}_${suffix}`,
    kind: 'relu' as const,
    outputShape: shapeOf(at.batch, out, size),
    parameters: 0,
    multiplyAdds: 0,
  });
  return [
    conv('conv', block.kernel, at.channels, block.stride, block.padding),
    relu('relu'),
    conv('conv1x1a', 1, out),
    relu('relu1x1a'),
    conv('conv1x1b', 1, out),
    relu('relu1x1b'),
  ];
}

function sum(values: number[]): number {
  return values.reduce((total, value) => total + value, 0);
}

/** Build the rows for the NiN block at `index`, or throw when its output would be empty. */
function ninRow(
  index: number,
  name: string,
  kind: LayerKind,
  block: NinBlock,
  at: Cursor,
): LayerRow {
  const size = outputSize(at.size, block.kernel, block.stride, block.padding);
  if (size < 1) {
    throw new SpecError({
      layerIndex: index,
      layerName: name,
      kind,
      inputSize: at.size,
      window: block.kernel,
      padding: block.padding,
      stride: block.stride,
    });
  }
  const children = ninBlockRows(name, block, at);
  at.channels = block.channels;
  at.size = size;
  return {
    index,
    name,
    kind,
    kernel: block.kernel,
    stride: block.stride,
    padding: block.padding,
    outputShape: shapeOf(at.batch, at.channels, at.size),
    parameters: sum(children.map((child) => child.parameters)),
    multiplyAdds: sum(children.map((child) => child.multiplyAdds)),
    children,
  };
}

function poolRow(
  index: number,
  name: string,
  window: number,
  stride: number,
  at: Cursor,
): LayerRow {
  const size = outputSize(at.size, window, stride, 0);
  if (size < 1) {
    throw new SpecError({
      layerIndex: index,
      layerName: name,
      kind: 'maxpool',
      inputSize: at.size,
      window,
      padding: 0,
      stride,
    });
  }
  at.size = size;
  return {
    index,
    name,
    kind: 'maxpool',
    kernel: window,
    stride,
    padding: 0,
    outputShape: shapeOf(at.batch, at.channels, at.size),
    parameters: 0,
    // Pooling compares values and does no multiply-adds.
    multiplyAdds: 0,
    children: [],
  };
}

function plainRow(index: number, name: string, kind: LayerKind, shape: Shape): LayerRow {
  return { index, name, kind, outputShape: shape, parameters: 0, multiplyAdds: 0, children: [] };
}

/**
 * Infer every layer's output shape, parameter count and multiply-adds for `batch` images.
 * Throws SpecError naming the first layer whose output would be empty.
 */
export function inferShapes(spec: ModelSpec, batch = 1): ShapeTable {
  const at: Cursor = { batch, channels: 1, size: spec.inputSize };
  const layers: LayerRow[] = [];
  const counters = { nin: 0, maxpool: 0, dropout: 0 };

  for (const layer of spec.body) {
    const index = layers.length;
    counters[layer.type] += 1;
    const name = `${layer.type}${counters[layer.type]}`;
    if (layer.type === 'nin') layers.push(ninRow(index, name, 'nin', layer, at));
    else if (layer.type === 'maxpool')
      layers.push(poolRow(index, name, layer.window, layer.stride, at));
    else {
      const row = plainRow(index, name, 'dropout', shapeOf(batch, at.channels, at.size));
      layers.push({ ...row, rate: layer.rate });
    }
  }

  const classifier: NinBlock = { type: 'nin', channels: CLASS_COUNT, ...spec.classifier };
  layers.push(ninRow(layers.length, 'classifier', 'classifier', classifier, at));
  layers.push(plainRow(layers.length, 'gap', 'gap', shapeOf(batch, at.channels, 1)));
  layers.push(
    plainRow(layers.length, 'flatten', 'flatten', {
      nchw: [batch, at.channels],
      nhwc: [batch, at.channels],
    }),
  );

  return summarize(spec, batch, layers);
}

function summarize(spec: ModelSpec, batch: number, layers: LayerRow[]): ShapeTable {
  const valuesPerImage = (shape: Shape) => shape.nchw.slice(1).reduce((a, b) => a * b, 1);
  let activationValues = spec.inputSize * spec.inputSize;
  for (const layer of layers) {
    const parts = layer.children.length > 0 ? layer.children : [layer];
    activationValues += sum(parts.map((part) => valuesPerImage(part.outputShape)));
  }
  return {
    batch,
    inputShape: shapeOf(batch, 1, spec.inputSize),
    layers,
    totalParameters: sum(layers.map((layer) => layer.parameters)),
    totalMultiplyAdds: sum(layers.map((layer) => layer.multiplyAdds)),
    activationBytesPerImage: activationValues * Float32Array.BYTES_PER_ELEMENT,
  };
}

/** Like inferShapes, but returns the issue instead of throwing, for live editing. */
export function tryInferShapes(
  spec: ModelSpec,
  batch = 1,
): { ok: true; table: ShapeTable } | { ok: false; issue: SpecIssue; message: string } {
  try {
    return { ok: true, table: inferShapes(spec, batch) };
  } catch (error) {
    if (error instanceof SpecError)
      return { ok: false, issue: error.issue, message: error.message };
    throw error;
  }
}

/** Smallest input size the spec accepts, searching 1…512; null when none does. */
export function minimumInputSize(spec: ModelSpec): number | null {
  for (let size = 1; size <= 512; size += 1) {
    if (tryInferShapes({ ...spec, inputSize: size }).ok) return size;
  }
  return null;
}
