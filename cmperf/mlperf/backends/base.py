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
        """Load a model file/dir; raise ModelFileError naming the path if it is unusable.

        ``input_name``/``output_name`` are one name, or a list of names for models with several
        (bert's three inputs, its start and end logits); None means the model's first one."""

    @abc.abstractmethod
    def predict(self, batch):
        """Run one batch: an array (batch first) or a dict of named arrays. Returns the output array,
        or the list of outputs in ``output_name`` order when that was a list."""

    @staticmethod
    def _names(given, default):
        """One name or a list of names, as a list."""
        if given is None:
            return [default]
        return [given] if isinstance(given, str) else list(given)

    @staticmethod
    def _require_names(model_path, kind, names, available):
        for name in names:
            if name not in available:
                raise ModelFileError(f"model {model_path!r} has no {kind} {name!r} (has {available})")

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
