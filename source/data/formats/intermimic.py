"""InterMimic / InterAct simulation clips: one ``torch.save``d float32 tensor (T, 591) per ``.pt`` file.

Z up, metres, 30 fps, InterMimic's 52-body SMPL-X humanoid in the upright convention (T-pose facing +x, left +y,
body frames world-aligned at rest, as ours). Columns (InterAct ``simulation/interact2mimic.py``, read by InterMimic
``env/tasks/intermimic.py::_load_motion``):

====================  ==========================================================================================
0:3, 3:7              root position, root quaternion (x, y, z, w)
9:162                 51 x 3 local rotations of bodies 1-51 as rotation vectors (exp-map)
162:318               52 x 3 body positions
318:321, 321:325      object position, quaternion (x, y, z, w), object in its centred mesh frame
331:383               per-body object contact: 1 contact, -1 no contact, 0 unknown
383:591               52 x 4 global body quaternions (x, y, z, w)
====================  ==========================================================================================

Columns 9:162 are rotation vectors, not Euler angles: on the two OMOMO clips shipped in holosoma-retargeting 0.1.0,
``exp(rotvec)`` composed down the tree reproduces the stored global quaternions to 1.6e-6 rad, while reading them as
x-y-z hinge angles is off by up to 0.48 rad. We therefore take ``exp(rotvec)`` as the local rotation and decompose it
into our hinges. Bodies 0-17 and 33-36 are ours directly; ``L_Hand`` / ``R_Hand`` take the middle-finger base
(bodies 21 / 40). Their contact label merges the 15 finger bodies: contact if any finger touches, no contact if every
finger is marked so, unknown otherwise. The object's name is the second-to-last ``_`` field of the file name
(``sub3_largebox_003.pt`` -> ``largebox``), as InterMimic reads it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import numpy as np
from scipy.spatial.transform import Rotation

from ...assets.skeleton import body_index
from ..clip import Clip
from .errors import SourceFormatError
from .motion import build_clip
from .object_map import library_object
from .resample import uniform_times
from .torch_pickle import load_torch_file

NUM_COLUMNS = 591
NUM_SOURCE_BODIES = 52
SOURCE_BODY_INDEX: tuple[int, ...] = (*range(18), 21, 33, 34, 35, 36, 40)
"""For each of our 24 bodies, its InterMimic body index."""
FINGER_BODIES = {body_index("L_Hand"): range(18, 33), body_index("R_Hand"): range(37, 52)}
"""Our hand bodies and the InterMimic finger bodies merged into their contact label."""


def object_name_from_file(path: Path) -> str:
    """The dataset object named by a ``<subject>_<object>_<take>.pt`` file name."""
    parts = path.stem.split("_")
    if len(parts) < 3:
        raise SourceFormatError(path, "<file name>", "expected <subject>_<object>_<take>.pt to tell the object")
    return parts[-2]


def _contact_labels(source_labels: np.ndarray) -> np.ndarray:
    """(T, 24) labels 1 / 0 / -1 from InterMimic's (T, 52) labels 1 contact / -1 not / 0 unknown."""
    remapped = np.select([source_labels > 0.5, source_labels < -0.5], [1, 0], default=-1).astype(np.int8)
    labels = remapped[:, list(SOURCE_BODY_INDEX)]
    for hand, fingers in FINGER_BODIES.items():
        finger_labels = remapped[:, list(fingers)]
        none_touch = np.where((finger_labels == 0).all(axis=1), 0, -1)
        labels[:, hand] = np.where((finger_labels == 1).any(axis=1), 1, none_touch)
    return labels


def convert_intermimic(
    path: str | os.PathLike, object_map: Mapping[str, str] | None = None, source_fps: float = 30.0
) -> list[Clip]:
    """The one clip of an InterMimic ``.pt`` file, resampled to 30 Hz and grounded.

    Args:
        path: The ``.pt`` file.
        object_map: Dataset object -> library object; ``None`` uses the default table.
        source_fps: Frame rate of the file (InterMimic's data is 30 fps).

    Raises:
        SourceFormatError: the file is not a (T, 591) tensor, holds NaN, or its object has no library object.
    """
    path = Path(path)
    data = load_torch_file(path)
    if not isinstance(data, np.ndarray) or data.ndim != 2 or data.shape[1] != NUM_COLUMNS:
        shape = data.shape if isinstance(data, np.ndarray) else type(data).__name__
        raise SourceFormatError(path, "<tensor>", f"expected a (T, {NUM_COLUMNS}) tensor, got {shape}")
    if len(data) < 2:
        raise SourceFormatError(path, "<tensor>", f"needs at least 2 frames, got {len(data)}")
    if not np.isfinite(data).all():
        frame, column = np.argwhere(~np.isfinite(data))[0]
        raise SourceFormatError(path, f"column {column}", f"non-finite value (NaN or inf) at frame {frame}")
    object_name = library_object(object_name_from_file(path), object_map, path, "<file name>")
    data = data.astype(np.float64)
    num_frames = len(data)
    rotvec = data[:, 9:162].reshape(num_frames, NUM_SOURCE_BODIES - 1, 3)
    local = Rotation.from_rotvec(rotvec[:, [i - 1 for i in SOURCE_BODY_INDEX[1:]]].reshape(-1, 3))
    return [
        build_clip(
            source_times=uniform_times(num_frames, source_fps),
            root_pos=data[:, 0:3],
            root_quat=data[:, 3:7],
            local_quat=local.as_quat().reshape(num_frames, -1, 4),
            object_name=object_name,
            object_pos=data[:, 318:321],
            object_quat=data[:, 321:325],
            source=f"intermimic:{path.stem}",
            contact_object=_contact_labels(data[:, 331:383]),
        )
    ]
