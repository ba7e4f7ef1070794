"""The backend interface the harness programs against."""
import abc
import os

from ..errors import BackendUnavailableError, ModelFileError


class Backend(abc.ABC):
    """One inference framework. Construct with device/threads, then ``load`` a model, then ``predict``."""

    name = "?"
    devices = ("cpu",)

    def __init__(self, device="cpu", threads=None):
        if device not in self.devices:
            raise BackendUnavailableError(
                f"backend {self.name} does not support device {device!r} here; "
                f"supported: {', '.join(self.devices)}")
        self.device = device
        self.threads = threads
        self.model_path = None

    @property
    @abc.abstractmethod
    def version(self):
        """Version string of the framework package."""

    @abc.abstractmethod
    def load(self, model_path, input_name=None, output_name=None):
        """Load a model file/dir; raise ModelFileError naming the path if it is unusable."""

    @abc.abstractmethod
    def predict(self, batch):
        """Run one batch (numpy array, batch first); return the output array (batch first)."""

    def thread_settings(self):
        """Thread/parallelism settings actually in effect (dict), for the results."""
        return {"threads": self.threads}

    def describe(self):
        """Facts for run.json / the results: name, version, device, threads, model."""
        return {"backend": self.name, "version": self.version, "device": self.device,
                "model_path": self.model_path, **self.thread_settings()}

    @staticmethod
    def _require_file(path, what="model file"):
        if not path or not os.path.exists(path):
            raise ModelFileError(f"{what} {path!r} does not exist")
