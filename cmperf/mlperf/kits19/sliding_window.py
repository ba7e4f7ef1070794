"""The reference's sliding-window inference of one KiTS19 volume (inference_utils.py, base_SUT.py).

128^3 sub-volumes at stride 64 cover the preprocessed volume (its axes are multiples of 64, >= 128);
each sub-volume's 3-class output is weighted by a gaussian patch (std 0.125 * 128, cube root, max 1)
and summed; the sum divided by the summed weights is argmaxed over the classes -> uint8 [1,1,D,H,W].
"""
import functools

import numpy as np

from . import constants as C


@functools.lru_cache(maxsize=4)   # 2M voxels: built once per process, not per query
def gaussian_kernel(n, std):
    from scipy.signal.windows import gaussian   # scipy.signal.gaussian in the reference's scipy
    g1 = gaussian(n, std)
    g3 = np.outer(np.outer(g1, g1), g1).reshape(n, n, n)
    g3 = np.cbrt(g3)
    g3 /= g3.max()
    g3.flags.writeable = False
    return g3


def window_origins(shape, roi=C.ROI_SHAPE, overlap=C.SLIDE_OVERLAP_FACTOR):
    strides = [int(roi[i] * (1 - overlap)) for i in range(3)]
    size = [(shape[i] - roi[i]) // strides[i] + 1 for i in range(3)]
    for i in range(0, strides[0] * size[0], strides[0]):
        for j in range(0, strides[1] * size[1], strides[1]):
            for k in range(0, strides[2] * size[2], strides[2]):
                yield i, j, k


class SlidingWindow:
    """Wraps a backend whose model maps [1,1,128,128,128] -> [1,3,128,128,128] (the official ONNX
    ``input`` -> ``output``) into one that maps a whole volume [1,1,D,H,W] -> uint8 [1,1,D,H,W]."""

    def __init__(self, backend, roi=C.ROI_SHAPE, overlap=C.SLIDE_OVERLAP_FACTOR):
        self.backend, self.roi, self.overlap = backend, list(roi), float(overlap)
        self._patch = {}
        self.subvolumes = 0

    def __getattr__(self, name):          # describe(), version, ... of the wrapped backend
        return getattr(self.backend, name)

    def patch(self, dtype):
        if dtype not in self._patch:
            self._patch[dtype] = gaussian_kernel(self.roi[0], 0.125 * self.roi[0]).astype(dtype)
        return self._patch[dtype]

    def predict(self, image):
        image = np.asarray(image)
        if image.ndim != 5 or image.shape[:2] != (1, 1):
            raise ValueError(f"3D-UNet takes one volume [1,1,D,H,W] per call, got {list(image.shape)}")
        shape = list(image.shape[2:])
        if any(s < r for s, r in zip(shape, self.roi)):
            raise ValueError(f"volume {shape} is smaller than the {self.roi} window: not preprocessed?")
        result = np.zeros((1, C.NUM_CLASSES, *shape), image.dtype)
        norm_map = np.zeros_like(result)
        patch = self.patch(image.dtype)
        r0, r1, r2 = self.roi
        for i, j, k in window_origins(shape, self.roi, self.overlap):
            sl = (Ellipsis, slice(i, i + r0), slice(j, j + r1), slice(k, k + r2))
            out = np.asarray(self.backend.predict(np.ascontiguousarray(image[sl])))
            result[sl] += out.squeeze(0) * patch
            norm_map[sl] += patch
            self.subvolumes += 1
        result /= norm_map
        return np.expand_dims(np.argmax(result, axis=1).astype(np.uint8), axis=0)


class Segmentation:
    """The response of a 3D-UNet sample: the uint8 label volume's bytes (its size varies per case)."""
    variable = True
    dtype = np.uint8
    width = 1
    fill = np.zeros(0, np.uint8)

    def __call__(self, outputs, indices=None):
        out = np.asarray(outputs)
        if indices is not None and len(indices) != 1:
            raise ValueError(f"3D-UNet answers one volume per call, {len(indices)} were sent")
        return [np.ascontiguousarray(out, np.uint8).reshape(-1)]
