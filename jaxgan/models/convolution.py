"""Strided and transposed convolutions as slices and matrix products, for XLA:CPU.

XLA:CPU lowers the *derivatives* of strided and transposed convolutions slowly: the
kernel gradient of DCGAN's 7->14 transposed convolution takes about 18x its forward
pass, and the second-order gradient a gradient penalty takes through a stride-2
convolution about 20x (jax#23783, jax#31662). The same arithmetic written as slices
and ``dot`` products differentiates into slices, pads and ``dot`` products, which
XLA:CPU runs at matmul speed, to any order. The functions here are exact
reformulations (the same sums, reordered), selected per backend:

- a strided convolution (``lhs_dilation`` 1) rearranges the padded input space-to-depth
  (each stride-sized block of pixels becomes one position), gathers the ``kh*kw``
  taps as stride-1 slices of that, stacks them beside the channels (im2col) and
  multiplies by the kernel rearranged to ``(kh*kw*C_in, C_out)``: one matmul;
- a transposed convolution (``lhs_dilation`` s > 1, window stride 1) splits its output
  into ``s*s`` phases (sub-pixel decomposition): output ``(s*p + r)`` only meets the
  taps ``t`` with ``(r + t - pad_low) % s == 0``, at input ``p + (r + t - pad_low) // s``,
  so each phase is a stride-1 product of input slices with a sub-kernel, with none of
  the zeros that the dilated input would multiply; the phases are then interleaved.

:func:`conv_general_dilated` has ``jax.lax.conv_general_dilated``'s signature, so it
plugs into ``flax.linen.Conv`` through its ``conv_general_dilated`` field;
:class:`Conv` and :class:`ConvTranspose` are ``flax.linen``'s modules with it set.
Parameters keep Flax's names and layout (``kernel`` ``(kh, kw, C_in, C_out)``,
``bias``), so checkpoints move between them and ``flax.linen``'s modules unchanged.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

__all__ = ["IMPLEMENTATIONS", "Conv", "ConvTranspose", "conv_general_dilated"]

IMPLEMENTATIONS = ("auto", "xla", "reformulated")

# Below this many output channels (or with one input channel) the reformulation's
# products are matrix-vector ones, and XLA's own convolution is faster (measured:
# DCGAN-28's 64 -> 1 output layer, 0.7 ms against 4 ms forward; see docs/benchmarks.md).
_MIN_REFORMULATED_FEATURES = 16
_NHWC = ("NHWC", "HWIO", "NHWC")


def _check_implementation(implementation: str) -> None:
    if implementation not in IMPLEMENTATIONS:
        raise ValueError(
            f"implementation={implementation!r} is not supported; use one of {IMPLEMENTATIONS}"
        )


def _use_reformulation(implementation: str, in_features: int, out_features: int) -> bool:
    if implementation == "auto":
        return (
            jax.default_backend() == "cpu"
            and out_features >= _MIN_REFORMULATED_FEATURES
            and in_features > 1
        )
    return implementation == "reformulated"


def _is_nhwc(lhs, rhs, dimension_numbers) -> bool:
    if lhs.ndim != 4:
        return False
    nhwc = lax.conv_dimension_numbers(lhs.shape, rhs.shape, _NHWC)
    return lax.conv_dimension_numbers(lhs.shape, rhs.shape, dimension_numbers) == nhwc


def conv_general_dilated(
    lhs: jax.Array,
    rhs: jax.Array,
    window_strides: Sequence[int],
    padding: str | Sequence[tuple[int, int]],
    lhs_dilation: Sequence[int] | None = None,
    rhs_dilation: Sequence[int] | None = None,
    dimension_numbers=None,
    feature_group_count: int = 1,
    batch_group_count: int = 1,
    precision=None,
    preferred_element_type=None,
    *,
    implementation: str = "auto",
) -> jax.Array:
    """``jax.lax.conv_general_dilated``, reformulated where that is faster.

    Takes the reformulated path for 2-D NHWC/HWIO convolutions without feature or
    batch groups that are either strided (no ``lhs_dilation``) or transposed
    (``lhs_dilation`` with window stride 1, no ``rhs_dilation``); everything else goes
    to ``jax.lax.conv_general_dilated`` unchanged.

    Args:
      lhs, rhs, ...: as ``jax.lax.conv_general_dilated``.
      implementation: ``auto`` (the reformulation on CPU for layers with at least 16
        output channels and more than one input channel, XLA's convolution otherwise),
        ``xla`` or ``reformulated``.

    Returns:
      The convolution, equal to ``jax.lax.conv_general_dilated`` up to float rounding.
    """
    _check_implementation(implementation)
    lhs_dilation = tuple(lhs_dilation or (1,) * (lhs.ndim - 2))
    rhs_dilation = tuple(rhs_dilation or (1,) * (lhs.ndim - 2))
    supported = (
        _is_nhwc(lhs, rhs, dimension_numbers)
        and feature_group_count == 1
        and batch_group_count == 1
        and (set(lhs_dilation) == {1} or (set(window_strides) == {1} and set(rhs_dilation) == {1}))
    )
    if not (supported and _use_reformulation(implementation, rhs.shape[-2], rhs.shape[-1])):
        return lax.conv_general_dilated(
            lhs, rhs, window_strides, padding, lhs_dilation, rhs_dilation, dimension_numbers,
            feature_group_count, batch_group_count, precision, preferred_element_type,
        )  # fmt: skip
    if isinstance(padding, str):
        dilated_input = [(n - 1) * d + 1 for n, d in zip(lhs.shape[1:3], lhs_dilation, strict=True)]
        dilated_kernel = [(k - 1) * d + 1 for k, d in zip(rhs.shape[:2], rhs_dilation, strict=True)]
        padding = lax.padtype_to_pads(dilated_input, dilated_kernel, window_strides, padding)
    padding = tuple(tuple(int(p) for p in pair) for pair in padding)
    dot = lambda a, b: jnp.dot(
        a, b, precision=precision, preferred_element_type=preferred_element_type
    )  # noqa: E731
    if set(lhs_dilation) == {1}:
        return _strided(lhs, rhs, tuple(window_strides), padding, rhs_dilation, dot)
    return _transposed(lhs, rhs, lhs_dilation, padding, dot)


def _strided(x, kernel, strides, padding, kernel_dilation, dot):
    """Strided convolution as im2col: input taps stacked beside the channels, one matmul."""
    kh, kw, cin, cout = kernel.shape
    x = lax.pad(
        x, jnp.zeros((), x.dtype), [(0, 0, 0), (*padding[0], 0), (*padding[1], 0), (0, 0, 0)]
    )
    (sh, sw), (dh, dw) = strides, kernel_dilation
    batch = x.shape[0]
    oh = (x.shape[1] - (kh - 1) * dh - 1) // sh + 1
    ow = (x.shape[2] - (kw - 1) * dw - 1) // sw + 1
    if (dh, dw) == (1, 1) and kh % sh == 0 and kw % sw == 0:
        # Space-to-depth first: each sh x sw block of pixels becomes one position with
        # sh*sw*C_in channels, and the convolution a stride-1 one over (kh/sh, kw/sw)
        # block taps. Its input gradient then adds (kh/sh)*(kw/sw) shifted block arrays
        # instead of scattering kh*kw strided ones (4x less memory traffic for 4x4/2).
        bh, bw = oh + kh // sh - 1, ow + kw // sw - 1
        x = x[:, : bh * sh, : bw * sw, :].reshape(batch, bh, sh, bw, sw, cin)
        x = x.transpose(0, 1, 3, 2, 4, 5).reshape(batch, bh, bw, sh * sw * cin)
        taps = [x[:, a : a + oh, b : b + ow, :] for a in range(kh // sh) for b in range(kw // sw)]
        # Row (a, b, r, s, c) of the matrix is kernel tap (a*sh + r, b*sw + s), channel c.
        kernel = kernel.reshape(kh // sh, sh, kw // sw, sw, cin, cout).transpose(0, 2, 1, 3, 4, 5)
    else:
        taps = [
            lax.slice(
                x,
                (0, i * dh, j * dw, 0),
                (batch, i * dh + sh * (oh - 1) + 1, j * dw + sw * (ow - 1) + 1, cin),
                (1, sh, sw, 1),
            )
            for i in range(kh)
            for j in range(kw)
        ]
    # Stacking beside the channels gives im2col's (tap, channel) order, the row order
    # of the kernel reshaped to (kh*kw*C_in, C_out).
    patches = jnp.stack(taps, axis=3).reshape(batch, oh, ow, kh * kw * cin)
    return dot(patches, kernel.reshape(kh * kw * cin, cout))


def _phase_taps(kernel_size: int, stride: int, pad_low: int, phase: int) -> list[tuple[int, int]]:
    """(tap, offset) pairs: output ``stride*p + phase`` meets input ``p + offset`` via ``tap``."""
    return [
        (tap, (phase + tap - pad_low) // stride)
        for tap in range(kernel_size)
        if (phase + tap - pad_low) % stride == 0
    ]


def _transposed(x, kernel, strides, padding, dot):
    """Transposed convolution (input dilated by ``strides``) by sub-pixel phases."""
    batch, height, width, _ = x.shape
    kh, kw, _, cout = kernel.shape
    (sh, sw), (ph, pw) = strides, padding
    out_h = (height - 1) * sh + 1 + ph[0] + ph[1] - kh + 1
    out_w = (width - 1) * sw + 1 + pw[0] + pw[1] - kw + 1
    # Every phase is computed on ceil(out/s) positions and the interleaved result cropped.
    rows, cols = math.ceil(out_h / sh), math.ceil(out_w / sw)
    taps_h = [_phase_taps(kh, sh, ph[0], r) for r in range(sh)]
    taps_w = [_phase_taps(kw, sw, pw[0], r) for r in range(sw)]
    offsets_h = [o for taps in taps_h for _, o in taps] or [0]
    offsets_w = [o for taps in taps_w for _, o in taps] or [0]
    low_h, low_w = max(0, -min(offsets_h)), max(0, -min(offsets_w))
    high_h = max(0, rows + max(offsets_h) - height)
    high_w = max(0, cols + max(offsets_w) - width)
    x = jnp.pad(x, ((0, 0), (low_h, high_h), (low_w, high_w), (0, 0)))
    phases = []
    for r in range(sh):
        for c in range(sw):
            # A sum of one product per tap: at these sizes it beats stacking the taps
            # into one larger product (no copy of the input per tap).
            terms = [
                dot(
                    x[:, low_h + oi : low_h + oi + rows, low_w + oj : low_w + oj + cols, :],
                    kernel[ti, tj],
                )
                for ti, oi in taps_h[r]
                for tj, oj in taps_w[c]
            ]
            phases.append(sum(terms) if terms else jnp.zeros((batch, rows, cols, cout), x.dtype))
    y = jnp.stack(phases, axis=3).reshape(batch, rows, cols, sh, sw, cout)
    y = y.transpose(0, 1, 3, 2, 4, 5).reshape(batch, rows * sh, cols * sw, cout)
    return y[:, :out_h, :out_w, :]


class Conv(nn.Conv):
    """``flax.linen.Conv`` computing through :func:`conv_general_dilated`.

    Same attributes, parameters and results; ``implementation`` picks the algorithm
    (``auto``, ``xla`` or ``reformulated``).
    """

    implementation: str = "auto"

    def __post_init__(self):
        if self.conv_general_dilated is None and self.conv_general_dilated_cls is None:
            chosen = functools.partial(conv_general_dilated, implementation=self.implementation)
            object.__setattr__(self, "conv_general_dilated", chosen)
        super().__post_init__()


class ConvTranspose(nn.ConvTranspose):
    """``flax.linen.ConvTranspose`` computing through :func:`conv_general_dilated`.

    Same attributes (but ``CIRCULAR`` padding), parameters and results as
    ``flax.linen.ConvTranspose``; ``implementation`` picks the algorithm.
    """

    implementation: str = "auto"

    @nn.compact
    def __call__(self, inputs: jax.Array) -> jax.Array:
        kernel_size = (
            (self.kernel_size,) if isinstance(self.kernel_size, int) else tuple(self.kernel_size)
        )
        ndim = len(kernel_size)
        broadcast = lambda v: (
            (1,) * ndim if v is None else (v,) * ndim if isinstance(v, int) else tuple(v)
        )  # noqa: E731
        strides, kernel_dilation = broadcast(self.strides), broadcast(self.kernel_dilation)
        if isinstance(self.padding, str) and self.padding.upper() not in ("SAME", "VALID"):
            raise ValueError(
                f"padding={self.padding!r} is not supported by jaxgan's ConvTranspose; "
                "use 'SAME', 'VALID' or explicit (low, high) pairs, or flax.linen.ConvTranspose"
            )
        batch_shape = inputs.shape[: inputs.ndim - ndim - 1]
        inputs = inputs.reshape((-1,) + inputs.shape[len(batch_shape) :])
        in_features = inputs.shape[-1]
        kernel_shape = kernel_size + (
            (self.features, in_features) if self.transpose_kernel else (in_features, self.features)
        )
        if self.mask is not None and self.mask.shape != kernel_shape:
            raise ValueError(
                "Mask needs to have the same shape as weights. "
                f"Shapes are: {self.mask.shape}, {kernel_shape}"
            )
        kernel = self.param("kernel", self.kernel_init, kernel_shape, self.param_dtype)
        if self.mask is not None:
            kernel *= self.mask
        bias = (
            self.param("bias", self.bias_init, (self.features,), self.param_dtype)
            if self.use_bias
            else None
        )
        inputs, kernel, bias = self.promote_dtype(inputs, kernel, bias, dtype=self.dtype)
        if self.transpose_kernel:
            kernel = jnp.flip(kernel, tuple(range(ndim))).swapaxes(-1, -2)
        padding = nn.linear.canonicalize_padding(self.padding, ndim)
        if isinstance(padding, str):  # as jax.lax.conv_transpose
            effective = [(k - 1) * d + 1 for k, d in zip(kernel_size, kernel_dilation, strict=True)]
            padding = [
                _transpose_padding(k, s, padding) for k, s in zip(effective, strides, strict=True)
            ]
        y = conv_general_dilated(
            inputs,
            kernel,
            (1,) * ndim,
            padding,
            lhs_dilation=strides,
            rhs_dilation=kernel_dilation,
            dimension_numbers=nn.linear._conv_dimension_numbers(inputs.shape),
            precision=self.precision,
            preferred_element_type=self.preferred_element_type,
            implementation=self.implementation,
        )
        if bias is not None:
            y += bias.reshape((1,) * (y.ndim - 1) + (-1,))
        return y.reshape(batch_shape + y.shape[1:])


def _transpose_padding(kernel_size: int, stride: int, padding: str) -> tuple[int, int]:
    """``jax.lax.conv_transpose``'s padding of the dilated input for SAME / VALID."""
    if padding == "SAME":
        total = kernel_size + stride - 2
        low = kernel_size - 1 if stride > kernel_size - 1 else int(np.ceil(total / 2))
    else:
        total = kernel_size + stride - 2 + max(kernel_size - stride, 0)
        low = kernel_size - 1
    return low, total - low
