"""pytorch (optional): TorchScript files, and the official state dicts of the architectures below.

The MLPerf reference ships PyTorch models in two forms: TorchScript (3D-UNet's .ptc, loaded with
torch.jit.load) and plain state dicts that the reference code loads into its own module
(BERT's model.pytorch into transformers' BertForQuestionAnswering, ResNet-50's .pth into
torchvision's resnet50, RetinaNet's training checkpoint into the training repo's model). A state
dict is recognised by its key names and loaded strictly into the matching module of this package;
any other state dict is refused naming what is supported. Files are read weights-only: no code in
them runs.
"""
import argparse
import collections
import pickle
import re
from importlib import metadata

from ... import pins
from ..errors import BackendUnavailableError, ModelFileError
from .base import Backend

# (module, recogniser, builder, what): the state dicts this backend can build a model for
STATE_DICT_MODELS = (
    ("torch_bert", "is_bert_qa", "BertForQuestionAnswering.from_state_dict",
     "BERT-Large's model.pytorch (BertForQuestionAnswering keys: bert.*, qa_outputs.*)"),
    ("torch_resnet", "is_resnet50", "resnet50_from_state_dict",
     "torchvision resnet50's resnet50-19c8e357.pth (conv1, bn1, layer1-4, fc)"),
    ("torch_retinanet", "is_retinanet", "retinanet_from_state_dict",
     "RetinaNet's resnext50_32x4d_fpn.pth (backbone.body.*, backbone.fpn.*, head.*)"),
)
# A training checkpoint keeps its weights under one of these keys, beside the run's arguments
# (an argparse.Namespace) and optimiser state; those plain classes are safe to rebuild weights-only.
CHECKPOINT_WEIGHTS_KEYS = ("state_dict", "model")
CHECKPOINT_GLOBALS = (argparse.Namespace, collections.Counter, collections.defaultdict)


class PyTorchBackend(Backend):
    name = "pytorch"
    devices = ("cpu", "cuda")

    def __init__(self, device="cpu", threads=None):
        super().__init__(device, threads)
        try:
            import torch
        except ImportError as e:
            raise BackendUnavailableError(
                f"backend pytorch is not importable ({e}); `pip install torch=={pins.TORCH}` (the CPU wheel; "
                "cmperf's `pytorch` extra)") from e
        self.torch = torch
        if threads:
            torch.set_num_threads(int(threads))
        if device == "cuda" and not torch.cuda.is_available():
            raise BackendUnavailableError(f"torch {torch.__version__} has no CUDA device")
        self.module = None
        self.form = None
        self._inputs = None
        self._many_outputs = False

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
            self.form = "torchscript"
        except Exception as jit_error:   # not TorchScript: a state dict of a known architecture?
            self.module = self._from_state_dict(model_path, jit_error)
        self._inputs = None if input_name is None or isinstance(input_name, str) else list(input_name)
        self._many_outputs = output_name is not None and not isinstance(output_name, str)
        self.model_path = model_path
        return self

    def _from_state_dict(self, model_path, jit_error):
        import importlib
        try:
            with self.torch.serialization.safe_globals(list(CHECKPOINT_GLOBALS)):
                state = self.torch.load(model_path, map_location="cpu", weights_only=True)
        except pickle.UnpicklingError as e:   # the weights-only loader met a class it does not rebuild
            found = re.search(r"Unsupported global: GLOBAL ([\w.]+)", str(e))
            raise ModelFileError(
                f"{model_path!r} is neither TorchScript nor a plain state dict: it pickles "
                f"{found.group(1) if found else 'objects other than tensors'}, and cmperf reads model files "
                "weights-only (no code in them runs). Save the weights alone (torch.save(model.state_dict(), "
                "PATH)) or a TorchScript file (torch.jit.save)") from e
        except Exception as e:
            raise ModelFileError(f"pytorch cannot load model file {model_path!r}: it is neither TorchScript "
                                 f"({jit_error}) nor a state dict ({e})") from e
        for key in CHECKPOINT_WEIGHTS_KEYS:   # a training checkpoint around the weights
            if isinstance(state, dict) and isinstance(state.get(key), dict):
                state = state[key]
                break
        if not isinstance(state, dict) or not all(isinstance(v, self.torch.Tensor) for v in state.values()):
            raise ModelFileError(f"{model_path!r} holds a {type(state).__name__}, not TorchScript or a state dict")
        for module, recognise, build, what in STATE_DICT_MODELS:
            mod = importlib.import_module(f"{__package__}.{module}")
            if getattr(mod, recognise)(state):
                fn = mod
                for part in build.split("."):
                    fn = getattr(fn, part)
                try:
                    model = fn(state)
                except (RuntimeError, ValueError, KeyError) as e:
                    raise ModelFileError(f"{model_path!r} looks like {what} but does not load into it: {e}") from e
                self.form = module
                return model.to(self.device).eval()
        keys = ", ".join(list(state)[:5])
        raise ModelFileError(f"{model_path!r} is a state dict of no architecture the pytorch backend builds "
                             f"(keys {keys}, ...); supported: TorchScript files, "
                             + "; ".join(m[3] for m in STATE_DICT_MODELS))

    def _tensor(self, a):
        t = self.torch.from_numpy(a) if hasattr(a, "dtype") else self.torch.as_tensor(a)
        if not t.is_floating_point():
            t = t.long()   # token ids index embeddings: int64 as the reference's torch.LongTensor
        return t.to(self.device)

    def predict(self, batch):
        with self.torch.no_grad():
            if isinstance(batch, dict):
                names = self._inputs or list(batch)
                try:
                    args = [self._tensor(batch[n if n in batch else n.split(":")[0]]) for n in names]
                except KeyError as e:
                    raise ModelFileError(f"the model's input {e} is not among the batch's {sorted(batch)}") from None
                out = self.module(*args)
            else:
                out = self.module(self._tensor(batch))
        if isinstance(out, (tuple, list)):
            outs = [o.cpu().numpy() for o in out]
            return outs if self._many_outputs else outs[0]
        return out.cpu().numpy()

    def thread_settings(self):
        return {"threads": self.threads, "torch_num_threads": self.torch.get_num_threads()}

    def describe(self):
        return {**super().describe(), "model_form": self.form}
