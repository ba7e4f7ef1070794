"""TensorFlow (SavedModel) and tensorflow-metal (the same, with the Metal plug-in on macOS arm64)."""
import os
import platform
import sys
from importlib import metadata

from ..errors import BackendUnavailableError, ModelFileError
from .base import Backend


def _is_macos_arm64():
    return sys.platform == "darwin" and platform.machine() == "arm64"


class TensorFlowBackend(Backend):
    name = "tf"
    devices = ("cpu", "cuda")

    def __init__(self, device="cpu", threads=None):
        super().__init__(device, threads)
        self._check_platform()
        try:
            import tensorflow as tf
        except ImportError as e:
            raise BackendUnavailableError(
                f"backend {self.name} needs tensorflow, which is not importable ({e}); "
                "`pip install tensorflow-cpu` (Linux/Windows) or `pip install tensorflow` (macOS)") from e
        self.tf = tf
        self.thread_note = None
        if threads:
            try:
                tf.config.threading.set_intra_op_parallelism_threads(int(threads))
                tf.config.threading.set_inter_op_parallelism_threads(1)
            except RuntimeError as e:  # TF fixes its pools at first use in a process
                self.thread_note = f"threads={threads} not applied: {e}"
        if device == "cpu":
            tf.config.set_visible_devices([], "GPU")
        elif not tf.config.list_physical_devices("GPU"):
            raise BackendUnavailableError(f"tensorflow {tf.__version__} sees no GPU for device {device!r}")
        self.fn = None

    def _check_platform(self):
        pass

    @property
    def version(self):
        for dist in ("tensorflow", "tensorflow-cpu", "tensorflow-macos"):
            try:
                return metadata.version(dist)
            except metadata.PackageNotFoundError:
                pass
        return self.tf.__version__

    def load(self, model_path, input_name=None, output_name=None):
        """A SavedModel directory, or a frozen GraphDef ``.pb`` (MLPerf's resnet50_v1.pb) with
        ``input_name`` / ``output_name`` naming its tensors (e.g. input_tensor:0 / ArgMax:0)."""
        self._require_file(model_path, "TF model (SavedModel directory or frozen .pb)")
        if os.path.isfile(model_path):
            return self._load_frozen(model_path, input_name, output_name)
        if not os.path.isfile(os.path.join(model_path, "saved_model.pb")):
            raise ModelFileError(f"{model_path!r} is not a TF SavedModel directory (no saved_model.pb)")
        try:
            loaded = self.tf.saved_model.load(model_path)
            fn = loaded.signatures["serving_default"]
        except Exception as e:
            raise ModelFileError(f"tensorflow cannot load SavedModel {model_path!r}: {e}") from e
        self._loaded = loaded  # keep the variables alive
        outs = list(fn.structured_outputs)
        self.output_name = output_name if output_name in outs else (None if output_name else outs[0])
        if self.output_name is None:
            raise ModelFileError(f"SavedModel {model_path!r} has no output {output_name!r} (has {outs})")
        name = self.output_name
        self.fn = lambda x: fn(x)[name]
        self.model_path = model_path
        return self

    def _load_frozen(self, model_path, input_name, output_name):
        """One or several named inputs/outputs (bert's frozen model.pb: input_ids:0, input_mask:0,
        segment_ids:0 -> logits:0); a dict batch is fed by name, an array to the one input."""
        tf = self.tf
        if not (input_name and output_name):
            raise ModelFileError(f"frozen graph {model_path!r} needs the input and output tensor names")
        graph_def = tf.compat.v1.GraphDef()
        try:
            with open(model_path, "rb") as f:
                graph_def.ParseFromString(f.read())
        except Exception as e:
            raise ModelFileError(f"{model_path!r} is not a TF GraphDef (.pb) file: {e}") from e

        def _import():
            tf.compat.v1.import_graph_def(graph_def, name="")

        inputs, outputs = self._names(input_name, None), self._names(output_name, None)
        try:
            wrapped = tf.compat.v1.wrap_function(_import, [])
            g = wrapped.graph
            feeds = [g.get_tensor_by_name(n) for n in inputs]
            fn = wrapped.prune(feeds, [g.get_tensor_by_name(n) for n in outputs])
        except Exception as e:
            raise ModelFileError(f"frozen graph {model_path!r} has no usable tensors "
                                 f"{input_name!r} -> {output_name!r}: {e}") from e
        self._inputs = inputs
        self._dtypes = [t.dtype for t in feeds]   # fed values are cast as a TF1 session's feed_dict does
        self._one_output = isinstance(output_name, str)
        # the feed's keys may omit the ":0" of the tensor names (bert's QSL says input_ids)
        self._keys = [n[:-2] if n.endswith(":0") else n for n in inputs]
        self.fn = fn
        self.output_name = output_name
        self.model_path = model_path
        return self

    def predict(self, batch):
        if isinstance(batch, dict):
            try:
                args = [self.tf.constant(batch[k] if k in batch else batch[n], dtype=d)
                        for k, n, d in zip(self._keys, self._inputs, self._dtypes)]
            except KeyError as e:
                raise ModelFileError(f"the model's input {e} is not among the batch's {sorted(batch)}") from None
            out = self.fn(*args)
        else:
            dtypes = getattr(self, "_dtypes", None)
            out = self.fn(self.tf.constant(batch, dtype=dtypes[0]) if dtypes else self.tf.constant(batch))
        if isinstance(out, (list, tuple)):
            out = [o.numpy() for o in out]
            return out[0] if getattr(self, "_one_output", True) else out
        return out.numpy()

    def thread_settings(self):
        t = self.tf.config.threading
        s = {"threads": self.threads,
             "intra_op_parallelism_threads": t.get_intra_op_parallelism_threads(),
             "inter_op_parallelism_threads": t.get_inter_op_parallelism_threads()}
        if self.thread_note:
            s["thread_note"] = self.thread_note
        return s


class TensorFlowMetalBackend(TensorFlowBackend):
    """tensorflow + the tensorflow-metal PluggableDevice: wheels exist only for macOS arm64."""

    name = "tensorflow-metal"
    devices = ("cpu", "metal")

    def __init__(self, device="metal", threads=None):
        if device == "cpu":
            device = "metal"  # the point of this backend is the Metal GPU
        Backend.__init__(self, "metal" if device == "metal" else device, threads)
        self._check_platform()
        try:
            import tensorflow as tf
            metadata.version("tensorflow-metal")
        except (ImportError, metadata.PackageNotFoundError) as e:
            raise BackendUnavailableError(
                f"backend tensorflow-metal needs tensorflow and tensorflow-metal ({e}); "
                "`pip install tensorflow tensorflow-metal`") from e
        self.tf = tf
        self.fn = None
        self.thread_note = None
        if threads:
            try:
                tf.config.threading.set_intra_op_parallelism_threads(int(threads))
            except RuntimeError as e:
                self.thread_note = f"threads={threads} not applied: {e}"
        if not tf.config.list_physical_devices("GPU"):
            raise BackendUnavailableError("tensorflow-metal is installed but tensorflow sees no Metal GPU")

    def _check_platform(self):
        if not _is_macos_arm64():
            raise BackendUnavailableError(
                f"backend tensorflow-metal is macOS arm64 only (tensorflow-metal has no wheels for "
                f"{sys.platform} {platform.machine()}); use --backend tf or onnxruntime here")

    @property
    def version(self):
        return f"{super().version}+metal{metadata.version('tensorflow-metal')}"
