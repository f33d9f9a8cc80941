"""The PyTorch state-dict reader: valid files read exactly, crafted ones fail clearly.

The files are written here opcode by opcode (no PyTorch), in the layout ``torch.save``
uses: a zip with ``archive/data.pkl`` whose tensors are
``torch._utils._rebuild_tensor_v2(storage, offset, size, stride, ...)`` calls on
persistent storage records ``("storage", torch.FloatStorage, key, "cpu", numel)``
read from ``archive/data/KEY``.
"""

import zipfile

import numpy as np
import pytest

from jaxgan.metrics.inception import read_torch_state_dict


def _text(value: str) -> bytes:
    return b"V" + value.encode() + b"\n"


def _int(value: int) -> bytes:
    return b"I" + str(value).encode() + b"\n"


def _tuple(items) -> bytes:
    return b"(" + b"".join(_int(i) for i in items) + b"t"


def tensor_pickle(entries: dict) -> bytes:
    """A protocol-2 pickle of an OrderedDict of tensors.

    Each entry is ``name: (storage_key, storage_type, numel, offset, size, stride)``.
    """
    out = [b"\x80\x02", b"ccollections\nOrderedDict\n", b")R"]
    for name, (key, storage_type, numel, offset, size, stride) in entries.items():
        pid = (
            b"(" + _text("storage") + b"ctorch\n" + storage_type.encode() + b"\n"
            + _text(key) + _text("cpu") + _int(numel) + b"tQ"
        )  # fmt: skip
        call = (
            b"ctorch._utils\n_rebuild_tensor_v2\n(" + pid + _int(offset) + _tuple(size)
            + _tuple(stride) + b"\x89" + b"ccollections\nOrderedDict\n)R" + b"tR"
        )  # fmt: skip
        out.append(_text(name) + call + b"s")
    out.append(b".")
    return b"".join(out)


def write_archive(path, entries: dict, storages: dict, *, pickle_bytes=None):
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("archive/data.pkl", pickle_bytes or tensor_pickle(entries))
        for key, data in storages.items():
            archive.writestr(f"archive/data/{key}", data)
    return path


STORAGE = np.arange(12, dtype=np.float32)


def test_valid_tensors_read_exactly(tmp_path):
    path = write_archive(
        tmp_path / "ok.pth",
        {
            "matrix": ("0", "FloatStorage", 12, 0, (3, 4), (4, 1)),
            "transposed": ("0", "FloatStorage", 12, 0, (4, 3), (1, 4)),
            "offset_row": ("0", "FloatStorage", 12, 8, (4,), (1,)),
            "scalar": ("0", "FloatStorage", 12, 5, (), ()),
            "empty": ("0", "FloatStorage", 12, 0, (0, 3), (3, 1)),
            "counts": ("1", "LongStorage", 2, 0, (2,), (1,)),
        },
        {"0": STORAGE.tobytes(), "1": np.array([7, -3], np.int64).tobytes()},
    )
    state = read_torch_state_dict(path)
    np.testing.assert_array_equal(state["matrix"], STORAGE.reshape(3, 4))
    np.testing.assert_array_equal(state["transposed"], STORAGE.reshape(3, 4).T)
    np.testing.assert_array_equal(state["offset_row"], [8, 9, 10, 11])
    assert state["scalar"].shape == () and state["scalar"] == 5
    assert state["empty"].shape == (0, 3)
    assert state["counts"].dtype == np.int64 and list(state["counts"]) == [7, -3]
    assert type(state["matrix"]) is np.ndarray


@pytest.mark.parametrize(
    "entry,storage,message",
    [
        (("0", "FloatStorage", 12, 9, (4,), (1,)), STORAGE, "element 12 of a storage of 12"),
        (("0", "FloatStorage", 12, 0, (3, 4), (5, 1)), STORAGE, "reaches element 13"),
        (("0", "FloatStorage", 12, 0, (2,), (1000000,)), STORAGE, "reaches element 1000000"),
        (("0", "FloatStorage", 12, 12, (), ()), STORAGE, "reaches element 12"),
        (("0", "FloatStorage", 12, -1, (2,), (1,)), STORAGE, "offset -1 is not a non-negative"),
        (("0", "FloatStorage", 12, 0, (2, 2), (1,)), STORAGE, "different lengths"),
        (("0", "FloatStorage", 12, 0, (2,), (-1,)), STORAGE, "not non-negative integers"),
        (("0", "FloatStorage", 12, 0, (2,), (1,)), STORAGE[:2].tobytes()[:7], "not whole float32"),
        (("0", "FloatStorage", 99, 0, (2,), (1,)), STORAGE, "declares 99 elements but holds 12"),
        (("0", "ComplexStorage", 12, 0, (2,), (1,)), STORAGE, "unexpected object torch.Complex"),
        (("7", "FloatStorage", 12, 0, (2,), (1,)), STORAGE, "storage '7' is missing"),
    ],
    ids=[
        "past-end", "stride-past-end", "huge-stride", "scalar-past-end", "negative-offset",
        "rank-mismatch", "negative-stride", "torn-storage", "short-storage", "bad-dtype",
        "missing-storage",
    ],
)  # fmt: skip
def test_crafted_tensors_are_rejected(tmp_path, entry, storage, message):
    data = storage if isinstance(storage, bytes) else storage.tobytes()
    path = write_archive(tmp_path / "bad.pth", {"w": entry}, {"0": data})
    with pytest.raises(ValueError, match=message) as caught:
        read_torch_state_dict(path)
    assert str(path) in str(caught.value)


def test_files_that_are_not_state_dicts(tmp_path):
    not_zip = tmp_path / "weights.pth"
    not_zip.write_bytes(b"not a zip file at all")
    with pytest.raises(ValueError, match="not a valid PyTorch state dict.*BadZipFile"):
        read_torch_state_dict(not_zip)
    no_pickle = tmp_path / "empty.pth"
    with zipfile.ZipFile(no_pickle, "w") as archive:
        archive.writestr("archive/readme.txt", "hello")
    with pytest.raises(ValueError, match="the archive has no data.pkl"):
        read_torch_state_dict(no_pickle)
    code = write_archive(
        tmp_path / "code.pth",
        {},
        {},
        pickle_bytes=b"\x80\x02cos\nsystem\n" + _text("true") + b"\x85R.",
    )
    with pytest.raises(ValueError, match="unexpected object os.system"):
        read_torch_state_dict(code)
    a_list = write_archive(tmp_path / "list.pth", {}, {}, pickle_bytes=b"\x80\x02]q\x00.")
    with pytest.raises(ValueError, match="holds a list, not a dict of named tensors"):
        read_torch_state_dict(a_list)
    truncated = write_archive(tmp_path / "cut.pth", {}, {}, pickle_bytes=b"\x80\x02ccollections\n")
    with pytest.raises(ValueError, match="not a valid PyTorch state dict"):
        read_torch_state_dict(truncated)
