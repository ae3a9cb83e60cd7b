"""Converters from public HOI datasets to the canonical clip format (:mod:`interprior.data.clip`).

Each ``convert_<format>(path, object_map=None, ...) -> list[Clip]`` reads one source (a file or a sequence
directory), poses our skeleton with the source's joint rotations (no SMPL model files are needed), resamples to
30 Hz (linear for positions, slerp for rotations), grounds the feet (:mod:`.ground`) and maps the dataset's object to
a library object (:mod:`.object_map`). ``holosoma`` clips are already on the Unitree G1: their clips are the G1's
(``embodiment="g1"``). Every clip's ``source`` is ``<format>:<sequence>``. Bad input raises
:class:`SourceFormatError` naming the file and the field.

========== ======================================== ============================
format     source                                   module
========== ======================================== ============================
intermimic InterMimic/InterAct simulation ``.pt``   :mod:`.intermimic`
interact   InterAct ``human.npz`` + ``object.npz``  :mod:`.interact`
omomo      OMOMO raw joblib ``.p``                  :mod:`.omomo`
behave     BEHAVE 30 fps ``*_fit_all.npz``          :mod:`.behave`
holosoma   holosoma G1 ``*_mj_w_obj.npz``           :mod:`.holosoma`
========== ======================================== ============================
"""

from .behave import convert_behave
from .convert import FORMATS, ConversionReport, convert_path
from .errors import SourceFormatError
from .holosoma import convert_holosoma
from .interact import convert_interact
from .intermimic import convert_intermimic
from .object_map import DEFAULT_OBJECT_MAP, parse_object_map
from .omomo import convert_omomo

__all__ = [
    "FORMATS",
    "DEFAULT_OBJECT_MAP",
    "ConversionReport",
    "SourceFormatError",
    "convert_behave",
    "convert_holosoma",
    "convert_interact",
    "convert_intermimic",
    "convert_omomo",
    "convert_path",
    "parse_object_map",
]
