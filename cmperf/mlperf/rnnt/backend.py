"""The rnnt harness backend: pytorch_SUT.py's per-sample work behind the harness's Backend API.

``load`` reads the checkpoint (official parameter names, dimensions from its shapes);
``predict(waveforms)`` featurizes, encodes and greedily decodes each utterance on its own, as
the reference SUT does for every query sample, and returns one list of label ids per sample
(the Transcript response encoder sends them to LoadGen as int64).
"""
import dataclasses

import numpy as np

from ..backends.pytorch_backend import PyTorchBackend
from . import decoder, model as rnnt_model
from .features import Featurizer


class RNNTBackend(PyTorchBackend):
    name = "pytorch"
    devices = ("cpu",)     # the greedy decoder steps on the CPU, as the reference SUT does

    def load(self, model_path, input_name=None, output_name=None):
        self.module, facts = rnnt_model.load(self.torch, model_path, self.device)
        self.dims = facts["dims"]
        self.featurizer = Featurizer(self.torch)
        fb = facts["featurizer_buffers"].get("audio_preprocessor.featurizer.fb")
        # the checkpoint carries the filterbank it was trained with: record whether ours agrees
        self.filterbank_check = None if fb is None else bool(
            tuple(fb.shape) == tuple(self.featurizer.fb.shape)
            and np.allclose(fb.float().numpy(), self.featurizer.fb.numpy(), rtol=1e-4, atol=1e-7))
        self.model_path = model_path
        return self

    def predict(self, batch):
        return [decoder.transcribe(self.torch, self.module, self.featurizer, w) for w in batch]

    def describe(self):
        d = super().describe()
        d["rnnt"] = {"dims": dataclasses.asdict(self.dims),
                     "filterbank_matches_checkpoint": self.filterbank_check}
        return d
