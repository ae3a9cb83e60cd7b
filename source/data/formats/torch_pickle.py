"""Read tensors saved with ``torch.save`` into numpy arrays, without importing torch.

A ``torch.save`` file is a zip archive ``<name>/data.pkl`` + ``<name>/data/<key>`` (one raw little-endian buffer per
storage). The pickle rebuilds each tensor with ``torch._utils._rebuild_tensor_v2(storage, offset, size, stride, ...)``
and refers to storages through persistent ids ``("storage", <dtype>Storage, key, device, numel)``. This reader runs
the same pickle with those two hooks mapped to numpy: storages become 1-D arrays read from the archive and tensors
become strided views of them (copied, so they own their memory). Any other class the pickle names is refused.
"""

from __future__ import annotations

import collections
import os
import pickle
import zipfile
from pathlib import Path

import numpy as np

from .errors import SourceFormatError

STORAGE_DTYPES: dict[str, np.dtype] = {
    "DoubleStorage": np.dtype("<f8"),
    "FloatStorage": np.dtype("<f4"),
    "HalfStorage": np.dtype("<f2"),
    "LongStorage": np.dtype("<i8"),
    "IntStorage": np.dtype("<i4"),
    "ShortStorage": np.dtype("<i2"),
    "CharStorage": np.dtype("i1"),
    "ByteStorage": np.dtype("u1"),
    "BoolStorage": np.dtype("?"),
}
"""Numpy dtype of each torch storage class that has one (bfloat16 and complex storages are not supported)."""


def _rebuild_tensor(storage: np.ndarray, offset: int, size: tuple, stride: tuple, *_unused) -> np.ndarray:
    """numpy twin of ``torch._utils._rebuild_tensor_v2``: a (size) array viewing ``storage`` with element strides."""
    itemsize = storage.dtype.itemsize
    view = np.lib.stride_tricks.as_strided(
        storage[offset:], shape=tuple(size), strides=tuple(s * itemsize for s in stride), writeable=False
    )
    return np.array(view)


class _TorchUnpickler(pickle.Unpickler):
    """Unpickler of a torch archive's ``data.pkl`` that maps tensors and storages to numpy."""

    _ALLOWED = {
        ("torch._utils", "_rebuild_tensor_v2"): _rebuild_tensor,
        ("collections", "OrderedDict"): collections.OrderedDict,
    }

    def __init__(self, file, archive: zipfile.ZipFile, prefix: str, source: Path):
        super().__init__(file)
        self._archive, self._prefix, self._source = archive, prefix, source
        self._storages: dict[str, np.ndarray] = {}

    def find_class(self, module: str, name: str):
        if (module, name) in self._ALLOWED:
            return self._ALLOWED[(module, name)]
        if module == "torch" and name in STORAGE_DTYPES:
            return STORAGE_DTYPES[name]
        raise SourceFormatError(self._source, "data.pkl", f"holds {module}.{name}; only tensors can be read")

    def persistent_load(self, pid):
        if not (isinstance(pid, tuple) and len(pid) == 5 and pid[0] == "storage"):
            raise SourceFormatError(self._source, "data.pkl", f"unexpected persistent id {pid!r} (not a storage)")
        _, dtype, key, _device, numel = pid
        if not isinstance(dtype, np.dtype):
            raise SourceFormatError(self._source, f"data/{key}", f"unsupported storage type {dtype!r}")
        if key not in self._storages:
            try:
                raw = self._archive.read(f"{self._prefix}/data/{key}")
            except KeyError:
                raise SourceFormatError(self._source, f"data/{key}", "storage missing from the archive") from None
            if len(raw) < numel * dtype.itemsize:
                raise SourceFormatError(
                    self._source, f"data/{key}", f"{len(raw)} bytes, expected {numel * dtype.itemsize} (truncated?)"
                )
            self._storages[key] = np.frombuffer(raw, dtype=dtype, count=numel)
        return self._storages[key]


def load_torch_file(path: str | os.PathLike):
    """The object saved in ``path`` by ``torch.save``, with every tensor as a numpy array.

    Raises:
        SourceFormatError: ``path`` is missing, not a zip-format torch file, big-endian or truncated, or pickles
            anything other than tensors, lists, tuples, dicts and plain values.
    """
    path = Path(path)
    if not path.is_file():
        raise SourceFormatError(path, "<file>", "no such file")
    try:
        with zipfile.ZipFile(path) as archive:
            pickles = [name for name in archive.namelist() if name.endswith("/data.pkl")]
            if len(pickles) != 1:
                raise SourceFormatError(path, "<file>", "not a torch.save archive (expected one <name>/data.pkl)")
            prefix = pickles[0][: -len("/data.pkl")]
            byteorder = f"{prefix}/byteorder"
            if byteorder in archive.namelist() and archive.read(byteorder).strip() != b"little":
                raise SourceFormatError(path, "byteorder", "big-endian torch files are not supported")
            with archive.open(pickles[0]) as file:
                return _TorchUnpickler(file, archive, prefix, path).load()
    except zipfile.BadZipFile:
        raise SourceFormatError(
            path, "<file>", "not a zip archive; only torch.save files in the zip format (torch >= 1.6) are read"
        ) from None
    except (pickle.UnpicklingError, EOFError, TypeError) as error:
        raise SourceFormatError(path, "data.pkl", f"corrupt tensor pickle: {error}") from None
