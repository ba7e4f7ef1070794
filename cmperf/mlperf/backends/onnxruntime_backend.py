"""onnxruntime: CPU everywhere, the CUDA execution provider when onnxruntime-gpu provides it."""
from importlib import metadata

from ..errors import BackendUnavailableError, ModelFileError
from .base import Backend


class OnnxRuntimeBackend(Backend):
    name = "onnxruntime"
    devices = ("cpu", "cuda", "rocm")

    def __init__(self, device="cpu", threads=None):
        super().__init__(device, threads)
        try:
            import onnxruntime as ort
        except ImportError as e:
            raise BackendUnavailableError(
                f"backend onnxruntime is not importable ({e}); `pip install onnxruntime`"
                " (onnxruntime-gpu for cuda)") from e
        self.ort = ort
        wanted = {"cpu": "CPUExecutionProvider", "cuda": "CUDAExecutionProvider",
                  "rocm": "ROCMExecutionProvider"}[device]
        available = ort.get_available_providers()
        if wanted not in available:
            raise BackendUnavailableError(
                f"onnxruntime {ort.__version__} has no {wanted} for device {device!r} "
                f"(available: {', '.join(available)}); for cuda install onnxruntime-gpu")
        self.providers = [wanted] + (["CPUExecutionProvider"] if wanted != "CPUExecutionProvider" else [])
        self.session = None

    @property
    def version(self):
        for dist in ("onnxruntime", "onnxruntime-gpu"):
            try:
                return metadata.version(dist)
            except metadata.PackageNotFoundError:
                pass
        return self.ort.__version__

    def load(self, model_path, input_name=None, output_name=None):
        self._require_file(model_path)
        opts = self.ort.SessionOptions()
        if self.threads:
            opts.intra_op_num_threads = int(self.threads)
            opts.inter_op_num_threads = 1
        opts.execution_mode = self.ort.ExecutionMode.ORT_SEQUENTIAL
        try:
            self.session = self.ort.InferenceSession(model_path, opts, providers=self.providers)
        except Exception as e:  # onnxruntime raises its own Fail/InvalidProtobuf/... types
            raise ModelFileError(f"onnxruntime cannot load model file {model_path!r}: {e}") from e
        inputs = [i.name for i in self.session.get_inputs()]
        outputs = [o.name for o in self.session.get_outputs()]
        names, fetch = self._names(input_name, inputs[0]), self._names(output_name, outputs[0])
        self._require_names(model_path, "input", names, inputs)
        self._require_names(model_path, "output", fetch, outputs)
        self.input_name, self.output_name = input_name or inputs[0], output_name or outputs[0]
        self.model_path = model_path
        self._feed = names[0]  # the input an array batch goes to; dict batches name their inputs
        self._fetch = fetch
        self._one_output = isinstance(self.output_name, str)
        return self

    def predict(self, batch):
        feed = batch if isinstance(batch, dict) else {self._feed: batch}
        out = self.session.run(self._fetch, feed)
        return out[0] if self._one_output else out

    def thread_settings(self):
        s = {"threads": self.threads, "intra_op_num_threads": self.threads or "onnxruntime default",
             "inter_op_num_threads": 1 if self.threads else "onnxruntime default",
             "providers": self.session.get_providers() if self.session else self.providers}
        return s
