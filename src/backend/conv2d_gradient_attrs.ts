// The attributes tfjs passes to the Conv2DBackpropFilter / Conv2DBackpropInput kernels, and the forward conv
// they describe, shared by our wasm and webgpu gradient kernels. Why our own types: tfjs' filter-gradient attrs
// carry no dilations; we accept one so dilated convs can reuse the kernel.
import * as tf from '@tensorflow/tfjs-core';

type Pad = tf.backend_util.ExplicitPadding | 'same' | 'valid' | number;

export interface FilterGradAttrs {
  strides: number | [number, number];
  pad: Pad;
  dataFormat?: string;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  filterShape: [number, number, number, number];
  dilations?: number | [number, number];
}

export interface InputGradAttrs {
  strides: number | [number, number];
  pad: Pad;
  dataFormat?: string;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  inputShape: [number, number, number, number];
}

/** A stride / dilation attribute as [height, width] (tfjs allows one number for both). */
export function pair(v: number | [number, number] | undefined): [number, number] {
  if (v === undefined) return [1, 1];
  return typeof v === 'number' ? [v, v] : v;
}

/** The forward conv (NHWC) whose filter gradient is asked for: input `xShape`, the attrs' filter. */
export function filterGradConvInfo(
  xShape: readonly number[],
  attrs: FilterGradAttrs,
): tf.backend_util.Conv2DInfo {
  return tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    attrs.filterShape,
    pair(attrs.strides),
    pair(attrs.dilations),
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    'channelsLast',
  );
}

/** The forward conv (NHWC, dilation 1) whose input gradient is asked for: the attrs' input, `filterShape`. */
export function inputGradConvInfo(
  filterShape: readonly number[],
  attrs: InputGradAttrs,
): tf.backend_util.Conv2DInfo {
  return tf.backend_util.computeConv2DInfo(
    attrs.inputShape,
    filterShape as [number, number, number, number],
    pair(attrs.strides),
    1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    'channelsLast',
  );
}
