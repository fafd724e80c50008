// Kernels tfjs-backend-wasm 4.22 lacks. Without Conv2DBackpropFilter, the gradient of every conv
// layer fails on wasm, so CNNs could only train on the ~80x slower cpu backend.

import * as tf from "@tensorflow/tfjs";

/**
 * dW[r, c, i, o] = sum_{b, h, w} xPad[b, h*sh + r, w*sw + c, i] * dy[b, h, w, o]
 * which is a stride-1 convolution of x (batch and channels swapped) with dy as the filter,
 * dilated by the forward stride: only ops the wasm backend has (pad, transpose, conv2d, slice).
 */
export function conv2dBackpropFilterViaConv(
  x: tf.Tensor4D,
  dy: tf.Tensor4D,
  attrs: tf.Conv2DBackpropFilterAttrs,
): tf.Tensor4D {
  return tf.tidy(() => {
    const channelsFirst = attrs.dataFormat === "NCHW";
    const info = tf.backend_util.computeConv2DInfo(
      x.shape,
      attrs.filterShape,
      attrs.strides,
      1,
      attrs.pad,
      attrs.dimRoundingMode,
      false,
      channelsFirst ? "channelsFirst" : "channelsLast",
    );
    const nhwc = (t: tf.Tensor4D) => (channelsFirst ? tf.transpose(t, [0, 2, 3, 1]) : t);
    const { top, left, bottom, right } = info.padInfo;
    // With 'ceil' rounding the last window can stick out past the padding: pad enough for it.
    const padBottom = Math.max(
      bottom,
      (info.outHeight - 1) * info.strideHeight + info.filterHeight - info.inHeight - top,
    );
    const padRight = Math.max(right, (info.outWidth - 1) * info.strideWidth + info.filterWidth - info.inWidth - left);
    const xPad = tf.pad(nhwc(x), [
      [0, 0],
      [top, padBottom],
      [left, padRight],
      [0, 0],
    ]);
    const dW = tf.conv2d(tf.transpose(xPad, [3, 1, 2, 0]), tf.transpose(nhwc(dy), [1, 2, 0, 3]), 1, "valid", "NHWC", [
      info.strideHeight,
      info.strideWidth,
    ]);
    // The convolution also covers offsets past the filter when the stride skipped input rows.
    const [inC, , , outC] = dW.shape;
    return tf.transpose(tf.slice(dW, [0, 0, 0, 0], [inC, info.filterHeight, info.filterWidth, outC]), [1, 2, 0, 3]);
  });
}

/** Registers the missing kernels on the wasm backend (idempotent). */
export function registerWasmKernels(): void {
  if (tf.getKernel(tf.Conv2DBackpropFilter, "wasm")) return;
  tf.registerKernel({
    kernelName: tf.Conv2DBackpropFilter,
    backendName: "wasm",
    // The engine hands kernels its input tensors, so high-level ops can be used on them; ops run
    // inside a kernel are not recorded on the gradient tape.
    kernelFunc: ({ inputs, attrs }) =>
      conv2dBackpropFilterViaConv(
        inputs.x as tf.Tensor4D,
        inputs.dy as tf.Tensor4D,
        attrs as unknown as tf.Conv2DBackpropFilterAttrs,
      ),
  });
}
