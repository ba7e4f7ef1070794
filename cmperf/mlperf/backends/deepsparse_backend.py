"""deepsparse (Neural Magic) running ONNX models.

deepsparse 1.8.0 is the last release that installs, and it pins numpy 1.26.4 / onnx 1.14.1, so it
lives in its own virtualenv: run the harness with that venv's python (see ``venv_hint``).
"""
import sys
from importlib import metadata

from ..errors import BackendUnavailableError, ModelFileError
from .base import Backend

SUPPORTED_VERSION = "1.8.0"
VENV_HINT = ("python3 -m venv ~/venv-deepsparse && ~/venv-deepsparse/bin/pip install "
             f"deepsparse=={SUPPORTED_VERSION} mlcommons-loadgen scikit-learn tabulate pyyaml && "
             "run the harness with ~/venv-deepsparse/bin/python -m cmperf.mlperf.harness ...")


class DeepSparseBackend(Backend):
    name = "deepsparse"
    devices = ("cpu",)

    def __init__(self, device="cpu", threads=None):
        super().__init__(device, threads)
        try:
            import deepsparse
        except ImportError as e:
            raise BackendUnavailableError(
                f"backend deepsparse is not importable in {sys.executable} ({e}); it needs its own "
                f"virtualenv because deepsparse {SUPPORTED_VERSION} pins old numpy/onnx: {VENV_HINT}") from e
        self.ds = deepsparse
        self.engine = None
        self.batch_size = None

    @property
    def version(self):
        try:
            return metadata.version("deepsparse")
        except metadata.PackageNotFoundError:
            return getattr(self.ds, "__version__", "unknown")

    def load(self, model_path, input_name=None, output_name=None, batch_size=1):
        self._require_file(model_path)
        self.model_path = model_path
        # the engine takes inputs and returns outputs as lists in graph order: map names to positions
        inputs, outputs = self._graph_io(model_path) if (input_name or output_name) else ([], [])
        names = self._names(input_name, None) if input_name else []
        self._require_names(model_path, "input", names, inputs)
        fetch = self._names(output_name, None) if output_name else []
        self._require_names(model_path, "output", fetch, outputs)
        self.input_order = inputs if isinstance(input_name, (list, tuple)) else None  # dict batches
        self.output_index = [outputs.index(n) for n in fetch] or [0]
        self._one_output = not isinstance(output_name, (list, tuple))
        self._compile(batch_size)
        return self

    @staticmethod
    def _graph_io(model_path):
        try:
            import onnx
            graph = onnx.load(model_path, load_external_data=False).graph
        except Exception as e:
            raise ModelFileError(f"cannot read the ONNX graph of {model_path!r}: {e}") from e
        initializers = {i.name for i in graph.initializer}
        return [i.name for i in graph.input if i.name not in initializers], [o.name for o in graph.output]

    def _compile(self, batch_size):
        try:
            self.engine = self.ds.compile_model(self.model_path, batch_size=batch_size,
                                                num_cores=self.threads)
        except Exception as e:
            raise ModelFileError(f"deepsparse cannot compile model file {self.model_path!r}: {e}") from e
        self.batch_size = batch_size

    def predict(self, batch):
        # deepsparse engines have a fixed batch size: recompile on change (the harness keeps it fixed
        # except for a final partial batch, which is padded here).
        import numpy as np
        arrays = [batch[name] for name in self.input_order] if isinstance(batch, dict) else [batch]
        n = len(arrays[0])
        if self.batch_size is None or n > self.batch_size:
            self._compile(n)
        if n < self.batch_size:
            arrays = [np.concatenate([a, np.zeros((self.batch_size - n,) + a.shape[1:], a.dtype)])
                      for a in arrays]
        out = self.engine.run([np.ascontiguousarray(a) for a in arrays])
        if self._one_output:
            return out[self.output_index[0]][:n]
        return [out[i][:n] for i in self.output_index]

    def thread_settings(self):
        return {"threads": self.threads,
                "num_cores": getattr(self.engine, "num_cores", self.threads),
                "batch_size": self.batch_size}
