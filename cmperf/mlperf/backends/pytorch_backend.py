"""pytorch (optional): TorchScript files, or ONNX via onnx2torch is out of scope."""
from importlib import metadata

from ..errors import BackendUnavailableError, ModelFileError
from .base import Backend


class PyTorchBackend(Backend):
    name = "pytorch"
    devices = ("cpu", "cuda")

    def __init__(self, device="cpu", threads=None):
        super().__init__(device, threads)
        try:
            import torch
        except ImportError as e:
            raise BackendUnavailableError(
                f"backend pytorch is not importable ({e}); `pip install torch` (CPU wheel: torch==2.13.0)") from e
        self.torch = torch
        if threads:
            torch.set_num_threads(int(threads))
        if device == "cuda" and not torch.cuda.is_available():
            raise BackendUnavailableError(f"torch {torch.__version__} has no CUDA device")
        self.module = None

    @property
    def version(self):
        try:
            return metadata.version("torch")
        except metadata.PackageNotFoundError:
            return self.torch.__version__

    def load(self, model_path, input_name=None, output_name=None):
        self._require_file(model_path)
        try:
            self.module = self.torch.jit.load(model_path, map_location=self.device).eval()
        except Exception as e:
            raise ModelFileError(
                f"pytorch cannot load TorchScript model file {model_path!r}: {e}") from e
        self.model_path = model_path
        return self

    def predict(self, batch):
        with self.torch.no_grad():
            out = self.module(self.torch.from_numpy(batch).to(self.device))
        if isinstance(out, (tuple, list)):
            out = out[0]
        return out.cpu().numpy()

    def thread_settings(self):
        return {"threads": self.threads, "torch_num_threads": self.torch.get_num_threads()}
