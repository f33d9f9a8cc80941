"""pytorch-fid's InceptionV3 (the FID network of the 2015-12-05 TF graph) in Flax.

The structure is that of pytorch-fid's ``fid_inception_v3()``: torchvision's
Inception3 with ``FIDInceptionA``/``C``/``E_1``/``E_2`` blocks (TF's average pooling
ignores the padding; the last block max-pools), 2048-d pool features and 1008-class
logits. Parameters are named as in its state dict, so pytorch-fid's weight file
``pt_inception-2015-12-05-6726825d.pth`` loads directly -- read by a small zip+pickle
reader, without PyTorch -- or from an ``.npz`` of the same keys.

Inputs are ``(N, H, W, 3)`` images in ``[0, 1]``, resized to 299x299 exactly as
``F.interpolate(mode="bilinear", align_corners=False)`` does, then scaled to
``[-1, 1]``, as pytorch-fid's ``InceptionV3(resize_input=True, normalize_input=True)``.
"""

from __future__ import annotations

import collections
import functools
import os
import pathlib
import pickle
import zipfile

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np

__all__ = [
    "FID_WEIGHTS_FILE",
    "FID_WEIGHTS_URL",
    "InceptionV3",
    "load_inception_weights",
    "read_torch_state_dict",
    "resize_like_torch",
]

FID_WEIGHTS_FILE = "pt_inception-2015-12-05-6726825d.pth"
FID_WEIGHTS_URL = (
    "https://github.com/mseitzer/pytorch-fid/releases/download/fid_weights/" + FID_WEIGHTS_FILE
)


# ----------------------------------------------------------------------------
# Resizing as torch's bilinear interpolation (align_corners=False, no antialias).
# ----------------------------------------------------------------------------


@functools.lru_cache(maxsize=8)
def _torch_bilinear_matrix(in_size: int, out_size: int) -> np.ndarray:
    scale = in_size / out_size
    weights = np.zeros((out_size, in_size), np.float32)
    for i in range(out_size):
        source = max((i + 0.5) * scale - 0.5, 0.0)
        low = min(int(np.floor(source)), in_size - 1)
        high = min(low + 1, in_size - 1)
        fraction = source - low
        weights[i, low] += 1.0 - fraction
        weights[i, high] += fraction
    return weights


def resize_like_torch(images: jax.Array, size: int = 299) -> jax.Array:
    """``F.interpolate(x, (size, size), mode="bilinear", align_corners=False)`` on NHWC."""
    rows = jnp.asarray(_torch_bilinear_matrix(images.shape[1], size))
    cols = jnp.asarray(_torch_bilinear_matrix(images.shape[2], size))
    return jnp.einsum("oh,nhwc,pw->nopc", rows, images, cols, precision="highest")


# ----------------------------------------------------------------------------
# The network.
# ----------------------------------------------------------------------------


class BasicConv2d(nn.Module):
    """Conv (no bias) + BatchNorm (eps 1e-3, running statistics) + ReLU."""

    features: int
    kernel: tuple[int, int]
    strides: int = 1
    padding: tuple[int, int] = (0, 0)

    @nn.compact
    def __call__(self, x):
        pad = ((self.padding[0],) * 2, (self.padding[1],) * 2)
        x = nn.Conv(
            self.features, self.kernel, (self.strides,) * 2, pad, use_bias=False, name="conv"
        )(x)
        x = nn.BatchNorm(use_running_average=True, epsilon=1e-3, name="bn")(x)
        return nn.relu(x)


def _avg_pool_tf(x):
    return nn.avg_pool(x, (3, 3), (1, 1), ((1, 1), (1, 1)), count_include_pad=False)


def _max_pool(x, strides=2, padding="VALID"):
    return nn.max_pool(x, (3, 3), (strides, strides), padding)


class InceptionA(nn.Module):
    pool_features: int

    @nn.compact
    def __call__(self, x):
        b1 = BasicConv2d(64, (1, 1), name="branch1x1")(x)
        b5 = BasicConv2d(48, (1, 1), name="branch5x5_1")(x)
        b5 = BasicConv2d(64, (5, 5), padding=(2, 2), name="branch5x5_2")(b5)
        b3 = BasicConv2d(64, (1, 1), name="branch3x3dbl_1")(x)
        b3 = BasicConv2d(96, (3, 3), padding=(1, 1), name="branch3x3dbl_2")(b3)
        b3 = BasicConv2d(96, (3, 3), padding=(1, 1), name="branch3x3dbl_3")(b3)
        bp = BasicConv2d(self.pool_features, (1, 1), name="branch_pool")(_avg_pool_tf(x))
        return jnp.concatenate([b1, b5, b3, bp], axis=-1)


class InceptionB(nn.Module):
    @nn.compact
    def __call__(self, x):
        b3 = BasicConv2d(384, (3, 3), strides=2, name="branch3x3")(x)
        bd = BasicConv2d(64, (1, 1), name="branch3x3dbl_1")(x)
        bd = BasicConv2d(96, (3, 3), padding=(1, 1), name="branch3x3dbl_2")(bd)
        bd = BasicConv2d(96, (3, 3), strides=2, name="branch3x3dbl_3")(bd)
        return jnp.concatenate([b3, bd, _max_pool(x)], axis=-1)


class InceptionC(nn.Module):
    channels_7x7: int

    @nn.compact
    def __call__(self, x):
        c7 = self.channels_7x7
        b1 = BasicConv2d(192, (1, 1), name="branch1x1")(x)
        b7 = BasicConv2d(c7, (1, 1), name="branch7x7_1")(x)
        b7 = BasicConv2d(c7, (1, 7), padding=(0, 3), name="branch7x7_2")(b7)
        b7 = BasicConv2d(192, (7, 1), padding=(3, 0), name="branch7x7_3")(b7)
        bd = BasicConv2d(c7, (1, 1), name="branch7x7dbl_1")(x)
        bd = BasicConv2d(c7, (7, 1), padding=(3, 0), name="branch7x7dbl_2")(bd)
        bd = BasicConv2d(c7, (1, 7), padding=(0, 3), name="branch7x7dbl_3")(bd)
        bd = BasicConv2d(c7, (7, 1), padding=(3, 0), name="branch7x7dbl_4")(bd)
        bd = BasicConv2d(192, (1, 7), padding=(0, 3), name="branch7x7dbl_5")(bd)
        bp = BasicConv2d(192, (1, 1), name="branch_pool")(_avg_pool_tf(x))
        return jnp.concatenate([b1, b7, bd, bp], axis=-1)


class InceptionD(nn.Module):
    @nn.compact
    def __call__(self, x):
        b3 = BasicConv2d(192, (1, 1), name="branch3x3_1")(x)
        b3 = BasicConv2d(320, (3, 3), strides=2, name="branch3x3_2")(b3)
        b7 = BasicConv2d(192, (1, 1), name="branch7x7x3_1")(x)
        b7 = BasicConv2d(192, (1, 7), padding=(0, 3), name="branch7x7x3_2")(b7)
        b7 = BasicConv2d(192, (7, 1), padding=(3, 0), name="branch7x7x3_3")(b7)
        b7 = BasicConv2d(192, (3, 3), strides=2, name="branch7x7x3_4")(b7)
        return jnp.concatenate([b3, b7, _max_pool(x)], axis=-1)


class InceptionE(nn.Module):
    """``FIDInceptionE_1`` (average pool ignoring padding) or ``_2`` (max pool)."""

    max_pool: bool

    @nn.compact
    def __call__(self, x):
        b1 = BasicConv2d(320, (1, 1), name="branch1x1")(x)
        b3 = BasicConv2d(384, (1, 1), name="branch3x3_1")(x)
        b3 = jnp.concatenate(
            [
                BasicConv2d(384, (1, 3), padding=(0, 1), name="branch3x3_2a")(b3),
                BasicConv2d(384, (3, 1), padding=(1, 0), name="branch3x3_2b")(b3),
            ],
            axis=-1,
        )
        bd = BasicConv2d(448, (1, 1), name="branch3x3dbl_1")(x)
        bd = BasicConv2d(384, (3, 3), padding=(1, 1), name="branch3x3dbl_2")(bd)
        bd = jnp.concatenate(
            [
                BasicConv2d(384, (1, 3), padding=(0, 1), name="branch3x3dbl_3a")(bd),
                BasicConv2d(384, (3, 1), padding=(1, 0), name="branch3x3dbl_3b")(bd),
            ],
            axis=-1,
        )
        pooled = _max_pool(x, 1, ((1, 1), (1, 1))) if self.max_pool else _avg_pool_tf(x)
        bp = BasicConv2d(192, (1, 1), name="branch_pool")(pooled)
        return jnp.concatenate([b1, b3, bd, bp], axis=-1)


class InceptionV3(nn.Module):
    """pytorch-fid's FID InceptionV3. Returns ``(pool_features (N, 2048), logits (N, 1008))``.

    Input: ``(N, H, W, 3)`` images in ``[0, 1]`` (resized to 299x299 inside).

    References:
      Szegedy et al., Rethinking the Inception Architecture, 2016; Heusel et al.,
      2017; pytorch-fid (mseitzer/pytorch-fid), ``inception.py``.
    """

    @nn.compact
    def __call__(self, images):
        if images.ndim != 4 or images.shape[-1] != 3:
            raise ValueError(
                f"InceptionV3 expects (N, H, W, 3) images in [0, 1]; got {images.shape}"
            )
        x = 2.0 * resize_like_torch(images.astype(jnp.float32)) - 1.0
        x = BasicConv2d(32, (3, 3), strides=2, name="Conv2d_1a_3x3")(x)
        x = BasicConv2d(32, (3, 3), name="Conv2d_2a_3x3")(x)
        x = BasicConv2d(64, (3, 3), padding=(1, 1), name="Conv2d_2b_3x3")(x)
        x = _max_pool(x)
        x = BasicConv2d(80, (1, 1), name="Conv2d_3b_1x1")(x)
        x = BasicConv2d(192, (3, 3), name="Conv2d_4a_3x3")(x)
        x = _max_pool(x)
        x = InceptionA(32, name="Mixed_5b")(x)
        x = InceptionA(64, name="Mixed_5c")(x)
        x = InceptionA(64, name="Mixed_5d")(x)
        x = InceptionB(name="Mixed_6a")(x)
        x = InceptionC(128, name="Mixed_6b")(x)
        x = InceptionC(160, name="Mixed_6c")(x)
        x = InceptionC(160, name="Mixed_6d")(x)
        x = InceptionC(192, name="Mixed_6e")(x)
        x = InceptionD(name="Mixed_7a")(x)
        x = InceptionE(max_pool=False, name="Mixed_7b")(x)
        x = InceptionE(max_pool=True, name="Mixed_7c")(x)
        pool = jnp.mean(x, axis=(1, 2))
        return pool, nn.Dense(1008, name="fc")(pool)


# ----------------------------------------------------------------------------
# Weights: PyTorch state dicts without PyTorch.
# ----------------------------------------------------------------------------

_STORAGE_DTYPES = {
    "FloatStorage": np.float32,
    "DoubleStorage": np.float64,
    "HalfStorage": np.float16,
    "LongStorage": np.int64,
    "IntStorage": np.int32,
    "ByteStorage": np.uint8,
    "BoolStorage": np.bool_,
}


class _Storage(np.ndarray):
    """A storage read from the archive (a marker type: only these may back a tensor)."""


def _bad(reason: str) -> ValueError:
    return ValueError(f"not a valid PyTorch state dict: {reason}")


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _rebuild_tensor(storage, offset, size, stride, *args):
    """``torch._utils._rebuild_tensor_v2``, with every index checked against the storage.

    The offset, sizes and strides come from the file: a crafted file could otherwise
    make ``as_strided`` read memory outside the storage's buffer.
    """
    if not isinstance(storage, _Storage):
        raise _bad(f"a tensor is backed by {type(storage).__name__}, not a storage record")
    size, stride = tuple(size), tuple(stride)
    if not _is_int(offset) or offset < 0:
        raise _bad(f"tensor storage offset {offset!r} is not a non-negative integer")
    if len(size) != len(stride):
        raise _bad(f"tensor size {size} and stride {stride} have different lengths")
    if not all(_is_int(n) and n >= 0 for n in size + stride):
        raise _bad(f"tensor size {size} / stride {stride} are not non-negative integers")
    if 0 in size:
        return np.zeros(size, storage.dtype)
    last = offset + sum((n - 1) * s for n, s in zip(size, stride, strict=True))
    if last >= len(storage):
        raise _bad(
            f"tensor of size {size}, stride {stride} at offset {offset} reaches element {last} "
            f"of a storage of {len(storage)} elements"
        )
    view = np.asarray(storage)
    if not size:
        return view[offset : offset + 1].reshape(()).copy()
    itemsize = view.dtype.itemsize
    return np.lib.stride_tricks.as_strided(
        view[offset:], shape=size, strides=tuple(s * itemsize for s in stride)
    ).copy()


def read_torch_state_dict(path: str | os.PathLike) -> dict[str, np.ndarray]:
    """Reads a ``torch.save``-d state dict (zip format) into NumPy arrays, without PyTorch.

    Only plain tensors of the storage types in ``_STORAGE_DTYPES`` in (ordered) dicts
    are accepted; every tensor's offset, sizes and strides are checked against its
    storage, and each storage's length against its declared element count.

    Raises:
      ValueError: naming the file and what is wrong with it, for anything else.
    """
    try:
        return _read_torch_state_dict(path)
    except ValueError as error:
        raise ValueError(f"{path}: {error}") from None
    except (zipfile.BadZipFile, pickle.UnpicklingError, EOFError, KeyError, TypeError,
            AttributeError, IndexError, StopIteration) as error:  # fmt: skip
        raise ValueError(f"{path}: not a valid PyTorch state dict ({error!r})") from None


def _read_torch_state_dict(path) -> dict[str, np.ndarray]:
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        pickles = [n for n in names if n.endswith("data.pkl")]
        if not pickles:
            raise _bad("the archive has no data.pkl")
        pickle_name = pickles[0]
        prefix = pickle_name[: -len("data.pkl")]

        class Unpickler(pickle.Unpickler):
            def find_class(self, module, name):
                if module == "torch._utils" and name == "_rebuild_tensor_v2":
                    return _rebuild_tensor
                if module == "torch._utils" and name == "_rebuild_parameter":
                    return lambda data, *args: data
                if module == "torch" and name in _STORAGE_DTYPES:
                    return name
                if module == "collections" and name == "OrderedDict":
                    return collections.OrderedDict
                raise pickle.UnpicklingError(f"unexpected object {module}.{name}")

            def persistent_load(self, pid):
                if not (isinstance(pid, tuple) and len(pid) == 5 and pid[0] == "storage"):
                    raise _bad(f"unexpected persistent id {pid!r}")
                _, storage_type, key, _location, numel = pid
                type_name = storage_type if isinstance(storage_type, str) else None
                if type_name not in _STORAGE_DTYPES:
                    raise _bad(f"unsupported storage type {storage_type!r}")
                member = f"{prefix}data/{key}"
                if not isinstance(key, str) or member not in names:
                    raise _bad(f"storage {key!r} is missing from the archive")
                dtype = np.dtype(_STORAGE_DTYPES[type_name])
                data = archive.read(member)
                if len(data) % dtype.itemsize or not _is_int(numel) or numel < 0:
                    raise _bad(f"storage {key!r} has {len(data)} bytes, not whole {dtype} items")
                if len(data) // dtype.itemsize < numel:
                    raise _bad(
                        f"storage {key!r} declares {numel} elements but holds "
                        f"{len(data) // dtype.itemsize}"
                    )
                return np.frombuffer(data, dtype=dtype).view(_Storage)

        state = Unpickler(archive.open(pickle_name)).load()
    if not isinstance(state, dict) or not all(isinstance(k, str) for k in state):
        raise _bad(f"the pickle holds a {type(state).__name__}, not a dict of named tensors")
    arrays = {}
    for key, value in state.items():
        if not isinstance(value, np.ndarray):
            raise _bad(f"entry {key!r} is a {type(value).__name__}, not a tensor")
        arrays[key] = np.array(value, copy=True).view(np.ndarray)
    return arrays


def _to_flax(state: dict[str, np.ndarray]) -> dict:
    """Maps pytorch-fid's state-dict keys and layouts onto :class:`InceptionV3`'s variables."""
    params: dict = {}
    stats: dict = {}

    def put(tree, path, value):
        for part in path[:-1]:
            tree = tree.setdefault(part, {})
        tree[path[-1]] = value

    for key, value in state.items():
        parts = key.split(".")
        leaf, path = parts[-1], parts[:-1]
        if leaf == "num_batches_tracked" or (path and path[0] == "AuxLogits"):
            continue
        if path[-1] == "conv" and leaf == "weight":
            put(params, path + ["kernel"], np.transpose(value, (2, 3, 1, 0)))
        elif path[-1] == "bn":
            target, name = {
                "weight": (params, "scale"),
                "bias": (params, "bias"),
                "running_mean": (stats, "mean"),
                "running_var": (stats, "var"),
            }[leaf]
            put(target, path + [name], value)
        elif path == ["fc"]:
            put(
                params,
                ["fc", "kernel" if leaf == "weight" else "bias"],
                value.T if leaf == "weight" else value,
            )
        else:
            raise ValueError(f"unexpected key {key!r} in the Inception weights")
    return {"params": params, "batch_stats": stats}


def _download(path: pathlib.Path, timeout: float) -> bool:
    """Fetches pytorch-fid's weights to ``path``; ``False`` if the network says no."""
    import urllib.request

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(".download")
        with urllib.request.urlopen(FID_WEIGHTS_URL, timeout=timeout) as response:
            temporary.write_bytes(response.read())
        temporary.replace(path)
        return True
    except OSError:
        return False


def load_inception_weights(
    path: str | os.PathLike | None = None, *, download: bool = True, timeout: float = 20.0
) -> dict:
    """:class:`InceptionV3` variables from pytorch-fid's weight file (``.pth``) or an ``.npz``.

    Args:
      path: the file; default ``$JAXGAN_CACHE_DIR/pt_inception-2015-12-05-6726825d.pth``.
      download: when the default file is missing, fetch it from pytorch-fid's release
        (one attempt, ``timeout`` seconds) if the machine has internet.
      timeout: seconds for that attempt.

    Raises:
      FileNotFoundError: saying where to put the file and where it comes from.
    """
    from jaxgan.cache import cache_dir

    default = cache_dir() / FID_WEIGHTS_FILE
    path = pathlib.Path(path) if path else default
    if not path.exists() and download and path == default:
        _download(path, timeout)
    if not path.exists():
        raise FileNotFoundError(
            f"the FID Inception weights are not at {path}. Download pytorch-fid's "
            f"{FID_WEIGHTS_FILE} (from {FID_WEIGHTS_URL}) on a machine with internet and put it "
            f"there (or pass --weights FILE); no conversion is needed, and no PyTorch. To store "
            "it as .npz instead: python -m jaxgan.fid --convert FILE.pth FILE.npz"
        )
    if path.suffix == ".npz":
        try:
            with np.load(path) as data:
                state = {key: data[key] for key in data.files}
        except (OSError, ValueError, EOFError, zipfile.BadZipFile) as error:
            raise ValueError(
                f"{path}: not a readable .npz of Inception weights ({error!r})"
            ) from None
    else:
        state = read_torch_state_dict(path)
    return _to_flax(state)
