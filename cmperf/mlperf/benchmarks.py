"""What the harness needs per edge benchmark beyond a model file and an array of inputs.

- ``make_qsl``: the QSL of a registry spec's ``qsl`` kind (openimages: the preprocessed 800x800
  images with their annotation file checked; kits19: whole volumes of differing sizes).
- ``wrap_backend``: 3D-UNet's sliding-window inference around the loaded 128^3 model.
- ``get_backend``: a model's own backend class for a framework (rnnt: the reference's
  featurizer + encoder + greedy decoder around the PyTorch checkpoint), else the generic one.
- ``check_batch_size``: models whose samples cannot share a batch (one image per call in the
  official RetinaNet export, one volume per call for 3D-UNet) refuse ``--batch-size`` > 1 up front.
Each check runs before LoadGen starts, so bad input never leaves a half-written result.
"""
import os

from .errors import ConfigError, DatasetError


def make_qsl(spec, dataset_dir, performance_sample_count):
    kind = spec.get("qsl")
    if kind == "openimages":
        from ..filehash import sha256_file
        from .openimages.preprocess import load_manifest
        from .qsl import ArrayQSL
        man = load_manifest(dataset_dir)
        ann = man.get("annotations")
        if not ann or not os.path.isfile(ann):
            raise DatasetError(f"the annotation file {ann!r} of {dataset_dir!r} is missing: accuracy cannot be scored")
        if sha256_file(ann) != man.get("annotations_sha256"):
            raise DatasetError(f"the annotation file {ann!r} changed since {dataset_dir!r} was preprocessed")
        return ArrayQSL.from_dir(dataset_dir, performance_sample_count,
                                 expect_shape=(3, man["image_size"], man["image_size"]))
    if kind == "kits19":
        from .kits19.qsl import KitsQSL
        return KitsQSL(dataset_dir, performance_sample_count)
    return None


def wrap_backend(spec, backend):
    if spec.get("inference") == "sliding-window":
        from .kits19.sliding_window import SlidingWindow
        return SlidingWindow(backend)
    return backend


def get_backend(spec, name, device="cpu", threads=None):
    """The registry's ``backend_class`` {backend: "module:Class"} for this model, else
    cmperf.mlperf.backends.get_backend (unloaded either way)."""
    own = (spec.get("backend_class") or {}).get(name)
    if own:
        from .spec import load_object
        from .backends import DEVICES
        from .errors import UnknownChoiceError
        if device not in DEVICES:
            raise UnknownChoiceError("device", device, DEVICES)
        return load_object(own)(device=device, threads=threads)
    from .backends import get_backend as generic
    return generic(name, device, threads)


def backend_io(spec, backend):
    """Tensor names (and response kind) of the backend's model file when they differ from the
    ONNX ones: the registry's ``backend_io`` {backend: {input_name, output_name, response}}."""
    return dict((spec.get("backend_io") or {}).get(backend) or {})


def responses(spec, io, qsl):
    from .responses import for_spec
    # a format's own output kind and label offset (resnet50's torchvision logits: scores, offset 0)
    return for_spec({"name": spec["name"], "response": io["response"], "max_seq_length": spec.get("max_seq_length"),
                     "output_kind": io.get("output_kind", spec.get("output_kind")),
                     "label_offset": io.get("label_offset", spec.get("label_offset", 0))},
                    getattr(qsl, "max_seq_length", None))


def check_batch_size(spec, batch_size):
    limit = spec.get("max_batch_size")
    if limit is not None and batch_size > limit:
        raise ConfigError(f"model {spec['name']} takes at most {limit} sample(s) per inference "
                          f"(--batch-size {batch_size} was given)")


# Factories a registry entry names in its ``qsl`` field (cmperf.mlperf.spec plug point):
# (model, dataset_dir, performance_sample_count) -> QSL.

def openimages_qsl(model, dataset_dir, performance_sample_count):
    return make_qsl({"qsl": "openimages"}, dataset_dir, performance_sample_count)


def kits19_qsl(model, dataset_dir, performance_sample_count):
    return make_qsl({"qsl": "kits19"}, dataset_dir, performance_sample_count)
