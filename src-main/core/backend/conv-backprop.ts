import {
  backend_util,
  type Conv2DBackpropFilterAttrs,
  type Conv2DBackpropInputAttrs,
  type TensorInfo,
} from '@tensorflow/tfjs-core';

import type { ExplicitPadding, KernelCalls } from './kernel-calls';

/**
 * Convolution gradients written as forward convolutions, so that they run on a backend's
 * fast Conv2D kernel (XNNPACK on wasm) instead of a slow dedicated loop.
 *
 * Both functions take NHWC tensors and return a TensorInfo that the caller owns, or
 * `null` for a case they do not handle (the caller then uses the stock kernel).
 */

type Conv2DInfo = backend_util.Conv2DInfo;

type Shape4D = [number, number, number, number];

/**
 * Computes dL/dfilter, shape [FH, FW, CI, CO], from x [N, H, W, CI] and dy [N, OH, OW, CO].
 *
 * dW[fh, fw, ci, co] = Σ over n, oh, ow of xPadded[n, oh·s + fh, ow·s + fw, ci] · dy[n, oh, ow, co].
 * Read with batch and channel axes swapped, that sum is a convolution of CI images with N
 * channels (x as [CI, H, W, N]) by the filter dy as [OH, OW, N, CO], whose dilation is the
 * forward stride. A 1×1 stride-1 unpadded convolution reduces to xᵀ·dy.
 */
export function conv2dBackpropFilterByConv(
  calls: KernelCalls,
  x: TensorInfo,
  dy: TensorInfo,
  attrs: Conv2DBackpropFilterAttrs,
): TensorInfo | null {
  if (attrs.dataFormat === 'NCHW') {
    return null;
  }
  const info = computeInfo(x.shape as Shape4D, attrs.filterShape, attrs);
  return isPointwise(info)
    ? filterGradByMatMul(calls, x, dy, info)
    : filterGradBySwappedConv(calls, x, dy, info);
}

/**
 * Computes dL/dx, shape [N, H, W, CI], from dy [N, OH, OW, CO] and the filter [FH, FW, CI, CO].
 *
 * dx is the stride-1 convolution of dy, dilated by the forward stride and padded by
 * FH − 1 − padTop on top, with the filter flipped spatially and its channel axes swapped.
 * Returns `null` when a forward padding exceeds FH − 1, which would need negative padding.
 */
export function conv2dBackpropInputByConv(
  calls: KernelCalls,
  dy: TensorInfo,
  filter: TensorInfo,
  attrs: Conv2DBackpropInputAttrs,
): TensorInfo | null {
  if (attrs.dataFormat === 'NCHW') {
    return null;
  }
  const info = computeInfo(attrs.inputShape, filter.shape as Shape4D, attrs);
  const { padInfo, filterHeight, filterWidth, strideHeight, strideWidth } = info;
  const padTop = filterHeight - 1 - padInfo.top;
  const padLeft = filterWidth - 1 - padInfo.left;
  if (padTop < 0 || padLeft < 0) {
    return null;
  }

  const flipped = flipFilter(calls, filter, info);
  const dilated = dilateSpatially(calls, dy, strideHeight, strideWidth);

  // The dilated dy ends in (stride − 1) zero rows and columns, so the bottom and right
  // padding can come out negative. The convolution then runs unpadded there, and the
  // extra rows and columns it yields are cropped.
  const padBottom = info.inHeight + padInfo.top - info.outHeight * strideHeight;
  const padRight = info.inWidth + padInfo.left - info.outWidth * strideWidth;
  const pad = explicitPadding(padTop, Math.max(0, padBottom), padLeft, Math.max(0, padRight));
  const dx = calls.conv2d(dilated, flipped, [1, 1], pad);
  calls.dispose(flipped, dilated);

  return cropTo(calls, dx, info.inShape);
}

function computeInfo(
  inShape: Shape4D,
  filterShape: Shape4D,
  attrs: Conv2DBackpropFilterAttrs | Conv2DBackpropInputAttrs,
): Conv2DInfo {
  const dilations = 1;
  return backend_util.computeConv2DInfo(
    inShape,
    filterShape,
    attrs.strides,
    dilations,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    'channelsLast',
  );
}

function isPointwise(info: Conv2DInfo): boolean {
  const { padInfo } = info;
  const noPadding =
    padInfo.top === 0 && padInfo.bottom === 0 && padInfo.left === 0 && padInfo.right === 0;
  return (
    info.filterHeight === 1 &&
    info.filterWidth === 1 &&
    info.strideHeight === 1 &&
    info.strideWidth === 1 &&
    noPadding
  );
}

/** dW = xᵀ·dy over the N·H·W positions, for a 1×1 stride-1 unpadded convolution. */
function filterGradByMatMul(
  calls: KernelCalls,
  x: TensorInfo,
  dy: TensorInfo,
  info: Conv2DInfo,
): TensorInfo {
  const positions = info.batchSize * info.inHeight * info.inWidth;
  const { inChannels, outChannels } = info;

  // An explicit transpose and a plain product beat BatchMatMul with transposeA on wasm:
  // 143 ms against 745 ms for a [100352 × 96]ᵀ·[100352 × 96] product (tfjs-backend-wasm
  // 4.22, one thread).
  const xRows = calls.reshape(x, [positions, inChannels]);
  const xTransposed = permute(calls, xRows, [1, 0]);
  const a = calls.reshape(xTransposed, [1, inChannels, positions]);
  const b = calls.reshape(dy, [1, positions, outChannels]);
  const product = calls.matMul(a, b);
  const dw = calls.reshape(product, [1, 1, inChannels, outChannels]);

  calls.dispose(xRows, xTransposed, a, b, product);
  return dw;
}

/** Filter gradient as a dilated convolution with batch and channel axes swapped. */
function filterGradBySwappedConv(
  calls: KernelCalls,
  x: TensorInfo,
  dy: TensorInfo,
  info: Conv2DInfo,
): TensorInfo {
  const { padInfo, filterHeight, filterWidth, strideHeight, strideWidth } = info;
  const images = permute(calls, x, [3, 1, 2, 0]);
  const dyFilter = permute(calls, dy, [1, 2, 0, 3]);

  // This bottom padding makes the output exactly FH rows high. It is negative when the
  // forward pass never reached the last input rows (size − FH not a multiple of stride).
  // The convolution then runs unpadded there, and the extra output rows are cropped.
  const padBottom =
    (info.outHeight - 1) * strideHeight + filterHeight - info.inHeight - padInfo.top;
  const padRight = (info.outWidth - 1) * strideWidth + filterWidth - info.inWidth - padInfo.left;
  const pad = explicitPadding(
    padInfo.top,
    Math.max(0, padBottom),
    padInfo.left,
    Math.max(0, padRight),
  );
  const swapped = calls.conv2d(images, dyFilter, [strideHeight, strideWidth], pad);
  calls.dispose(images, dyFilter);

  const cropped = cropTo(calls, swapped, [
    info.inChannels,
    filterHeight,
    filterWidth,
    info.outChannels,
  ]);
  const dw = permute(calls, cropped, [1, 2, 0, 3]);
  calls.dispose(cropped);
  return dw;
}

/** Filter [FH, FW, CI, CO] flipped in both spatial axes and transposed to [FH, FW, CO, CI]. */
function flipFilter(calls: KernelCalls, filter: TensorInfo, info: Conv2DInfo): TensorInfo {
  const flipped =
    info.filterHeight === 1 && info.filterWidth === 1
      ? calls.reshape(filter, filter.shape)
      : calls.reverse(filter, [0, 1]);
  const swapped = permute(calls, flipped, [0, 1, 3, 2]);
  calls.dispose(flipped);
  return swapped;
}

/** Inserts (stride − 1) zeros after every row and column of dy [N, OH, OW, C]. */
function dilateSpatially(
  calls: KernelCalls,
  dy: TensorInfo,
  strideHeight: number,
  strideWidth: number,
): TensorInfo {
  if (strideHeight === 1 && strideWidth === 1) {
    return calls.reshape(dy, dy.shape);
  }
  const [batch, height, width, channels] = dy.shape;
  const split = calls.reshape(dy, [batch, height, 1, width, 1, channels]);
  const padded = calls.pad(split, [
    [0, 0],
    [0, 0],
    [0, strideHeight - 1],
    [0, 0],
    [0, strideWidth - 1],
    [0, 0],
  ]);
  const dilated = calls.reshape(padded, [
    batch,
    height * strideHeight,
    width * strideWidth,
    channels,
  ]);
  calls.dispose(split, padded);
  return dilated;
}

/**
 * Transposes `x`, or only reshapes it when the permutation keeps the order of every axis
 * longer than 1, which saves a copy (for example batch 1 or a single channel).
 */
function permute(calls: KernelCalls, x: TensorInfo, perm: number[]): TensorInfo {
  const outShape = perm.map((axis) => x.shape[axis]);
  const movedAxes = perm.filter((axis) => x.shape[axis] !== 1);
  const keepsOrder = movedAxes.every((axis, i) => i === 0 || movedAxes[i - 1] < axis);
  return keepsOrder ? calls.reshape(x, outShape) : calls.transpose(x, perm);
}

/** Crops `x` to the leading `shape` (begin 0 on every axis), taking ownership of `x`. */
function cropTo(calls: KernelCalls, x: TensorInfo, shape: number[]): TensorInfo {
  if (shape.every((size, axis) => size === x.shape[axis])) {
    return x;
  }
  const cropped = calls.slice(
    x,
    shape.map(() => 0),
    shape,
  );
  calls.dispose(x);
  return cropped;
}

function explicitPadding(
  top: number,
  bottom: number,
  left: number,
  right: number,
): ExplicitPadding {
  return [
    [0, 0],
    [top, bottom],
    [left, right],
    [0, 0],
  ];
}
