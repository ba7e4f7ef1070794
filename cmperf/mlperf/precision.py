"""``--precision`` as a real choice: which published model file a (model, backend, precision) means.

A model's registry ``formats`` name its files per framework format: ``onnx`` is fp32, a
quantized variant is ``<format>-<precision>`` (``onnx-int8``: bert_large_v1_1_fake_quant.onnx,
``pytorch-int8``, ``tflite-int8``), and DeepSparse's sparse-quantized models are SparseZoo stubs
(``deepsparse-int8``). A precision without a published file for that backend is refused before
anything is downloaded or run, naming the precisions that exist. The chosen precision is recorded
in the results (run.json, measurements.json weight/input data types) and the system description.
"""
from .errors import UnknownChoiceError

PRECISIONS = ("fp32", "fp16", "bf16", "int8", "uint8", "int4")
ALIASES = {"float32": "fp32", "float16": "fp16", "bfloat16": "bf16"}
FORMAT_OF_BACKEND = {"onnxruntime": "onnx", "deepsparse": "onnx", "tf": "tf", "tensorflow": "tf",
                     "tensorflow-metal": "tf", "pytorch": "pytorch", "tflite": "tflite"}


def normalize(precision):
    p = ALIASES.get(str(precision or "fp32").strip().lower(), str(precision or "fp32").strip().lower())
    if p not in PRECISIONS:
        raise UnknownChoiceError("precision", precision, PRECISIONS + tuple(ALIASES))
    return p


def _formats(spec):
    """The formats the harness can run (a format marked ``harness: False`` is published but not run)."""
    return {k: v for k, v in (spec.get("formats") or {}).items() if v.get("harness", True)}


def format_key(spec, backend, precision):
    """The registry format key of this model for ``backend`` at ``precision``."""
    p = normalize(precision)
    fmt = FORMAT_OF_BACKEND.get(backend, "onnx")
    formats = _formats(spec)
    candidates = ([f"{backend}-{p}"] if backend == "deepsparse" and p != "fp32" else []) + \
        ([fmt] if p == "fp32" else [f"{fmt}-{p}"])
    for key in candidates:
        if key in formats:
            return key
    raise UnknownChoiceError(f"precision for {spec['name']} on {backend}", precision,
                             available(spec, backend) or ["(none published)"])


def available(spec, backend):
    """Precisions with a published file for this model and backend."""
    fmt = FORMAT_OF_BACKEND.get(backend, "onnx")
    out = []
    for key in _formats(spec):
        base, _, p = key.partition("-")
        if base == fmt and (not p or p in PRECISIONS):
            out.append(p or "fp32")
        elif backend == "deepsparse" and base == "deepsparse" and p in PRECISIONS:
            out.append(p)
    return sorted(set(out), key=PRECISIONS.index)


def measurements(spec, backend, precision):
    """measurements.json facts of the chosen file: data types and weight transformations."""
    key = format_key(spec, backend, precision)
    entry = _formats(spec)[key]
    m = dict(spec.get("measurements") or {})
    p = normalize(precision)
    if p != "fp32":
        m["weight_data_types"] = entry.get("weight_data_types", p)
        m["weight_transformations"] = entry.get("weight_transformations", "quantization")
        if entry.get("input_data_types"):
            m["input_data_types"] = entry["input_data_types"]
    m["starting_weights_filename"] = entry.get("starting_weights") or entry.get("url") or entry.get("stub") or \
        m.get("starting_weights_filename")
    m["precision"] = p
    return m
