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
        self.input_name = input_name or inputs[0]
        self.output_name = output_name or outputs[0]
        if self.input_name not in inputs:
            raise ModelFileError(f"model {model_path!r} has no input {self.input_name!r} (has {inputs})")
        if self.output_name not in outputs:
            raise ModelFileError(f"model {model_path!r} has no output {self.output_name!r} (has {outputs})")
        self.model_path = model_path
        self._feed = self.input_name
        self._fetch = [self.output_name]
        return self

    def predict(self, batch):
        return self.session.run(self._fetch, {self._feed: batch})[0]

    def thread_settings(self):
        s = {"threads": self.threads, "intra_op_num_threads": self.threads or "onnxruntime default",
             "inter_op_num_threads": 1 if self.threads else "onnxruntime default",
             "providers": self.session.get_providers() if self.session else self.providers}
        return s
