"""Inference backends as harness plug-ins.

``get_backend(name, device)`` returns an unloaded :class:`~.base.Backend`; names follow upstream
CM's ``--backend`` values. Import of the framework happens on construction, so an unavailable
backend fails early with :class:`~cmperf.mlperf.errors.BackendUnavailableError`.
"""
import importlib

from ..errors import UnknownChoiceError

# name -> (module, class); modules are imported lazily so one backend's absence never breaks another.
BACKENDS = {
    "onnxruntime": ("onnxruntime_backend", "OnnxRuntimeBackend"),
    "tf": ("tensorflow_backend", "TensorFlowBackend"),
    "tensorflow": ("tensorflow_backend", "TensorFlowBackend"),
    "tensorflow-metal": ("tensorflow_backend", "TensorFlowMetalBackend"),
    "deepsparse": ("deepsparse_backend", "DeepSparseBackend"),
    "pytorch": ("pytorch_backend", "PyTorchBackend"),
}
DEVICES = ("cpu", "cuda", "rocm", "metal")


def get_backend(name, device="cpu", threads=None):
    if name not in BACKENDS:
        raise UnknownChoiceError("backend", name, BACKENDS)
    if device not in DEVICES:
        raise UnknownChoiceError("device", device, DEVICES)
    module, cls = BACKENDS[name]
    mod = importlib.import_module(f"{__name__}.{module}")
    return getattr(mod, cls)(device=device, threads=threads)
