"""Read the voxels and voxel spacing of a single-file NIfTI-1 volume (.nii or .nii.gz).

KiTS19's imaging.nii.gz / segmentation.nii.gz are such files. nibabel (what the reference uses) is
preferred when importable; this reader covers exactly what preprocessing needs from it, so the
project's own dependencies suffice: ``get_fdata()`` (voxels with the scaling slope/intercept
applied) and ``header["pixdim"][1:4]``.
"""
import gzip
import os
import struct

import numpy as np

from ..errors import DatasetError

DTYPES = {2: "u1", 4: "i2", 8: "i4", 16: "f4", 64: "f8", 256: "i1", 512: "u2", 768: "u4", 1024: "i8",
          1280: "u8"}


def _read_bytes(path):
    if not os.path.isfile(path):
        raise DatasetError(f"NIfTI file {path!r} does not exist")
    try:
        if path.endswith(".gz"):
            with gzip.open(path, "rb") as f:
                return f.read()
        with open(path, "rb") as f:
            return f.read()
    except (OSError, EOFError, gzip.BadGzipFile) as e:
        raise DatasetError(f"cannot read NIfTI file {path!r}: {e}") from e


def load(path):
    """(voxels as float64 ndarray, spacing [3 floats]) of a NIfTI-1 file."""
    try:
        import nibabel
    except ImportError:
        nibabel = None
    if nibabel is not None:
        if not os.path.isfile(path):
            raise DatasetError(f"NIfTI file {path!r} does not exist")
        try:
            img = nibabel.load(path)
            return img.get_fdata(), [float(v) for v in img.header["pixdim"][1:4]]
        except Exception as e:  # nibabel raises several types for truncated/corrupt files
            raise DatasetError(f"cannot read NIfTI file {path!r}: {e}") from e
    raw = _read_bytes(path)
    if len(raw) < 348:
        raise DatasetError(f"{path!r} is too short for a NIfTI-1 header ({len(raw)} bytes)")
    for endian in "<>":
        if struct.unpack(endian + "i", raw[:4])[0] == 348:
            break
    else:
        raise DatasetError(f"{path!r} is not a NIfTI-1 file (sizeof_hdr is not 348)")
    if raw[344:348] not in (b"n+1\0", b"ni1\0"):
        raise DatasetError(f"{path!r} lacks the NIfTI-1 magic")
    dim = struct.unpack(endian + "8h", raw[40:56])
    datatype = struct.unpack(endian + "h", raw[70:72])[0]
    pixdim = struct.unpack(endian + "8f", raw[76:108])
    vox_offset = int(struct.unpack(endian + "f", raw[108:112])[0])
    slope, inter = struct.unpack(endian + "2f", raw[112:120])
    if datatype not in DTYPES:
        raise DatasetError(f"{path!r}: unsupported NIfTI datatype {datatype}")
    shape = tuple(int(d) for d in dim[1:1 + dim[0]])
    dtype = np.dtype(endian + DTYPES[datatype])
    need = int(np.prod(shape)) * dtype.itemsize
    if len(raw) < vox_offset + need:
        raise DatasetError(f"{path!r} is truncated: {len(raw) - vox_offset} of {need} voxel bytes")
    data = np.frombuffer(raw, dtype, count=int(np.prod(shape)), offset=vox_offset).reshape(shape, order="F")
    data = data.astype(np.float64)
    if slope != 0.0 and np.isfinite(slope) and (slope, inter) != (1.0, 0.0):  # 0/NaN slope: unscaled
        data = data * slope + (inter if np.isfinite(inter) else 0.0)
    return data, [float(v) for v in pixdim[1:4]]
