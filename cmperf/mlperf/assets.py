"""Where a model's file and dataset live, building the project's own models on first use."""
import os

from .errors import DatasetError, ModelFileError

FORMAT_OF_BACKEND = {"onnxruntime": "onnx", "deepsparse": "onnx", "tf": "tf", "tensorflow": "tf",
                     "tensorflow-metal": "tf", "pytorch": "pytorch"}


def cache_root():
    """Default home of built assets: $CMPERF_MLPERF_CACHE, else ~/.cache/cmperf/mlperf."""
    return os.environ.get("CMPERF_MLPERF_CACHE") or os.path.join(
        os.path.expanduser("~"), ".cache", "cmperf", "mlperf")


def digits_dir(dataset_dir=None, build_missing=True, backend="onnxruntime"):
    """The digits-mlp directory (model + held-out data), built when absent and allowed, with the
    model form ``backend`` needs (only the ONNX file by default: exporting a TF copy imports
    TensorFlow, seconds and ~700 MB, for nothing)."""
    from .models import digits

    d = dataset_dir or os.path.join(cache_root(), "digits-mlp")
    fmt = FORMAT_OF_BACKEND.get(backend, "onnx")
    wanted = {"tf": os.path.join(d, "saved_model"), "pytorch": os.path.join(d, "model.pt")}.get(fmt)
    built = os.path.exists(os.path.join(d, digits.MANIFEST))
    if not built or (wanted and not os.path.exists(wanted) and not dataset_dir):
        if dataset_dir:  # an explicit path must exist: never build somewhere the user did not expect
            raise DatasetError(f"dataset directory {dataset_dir!r} does not exist or has no "
                               f"{digits.MANIFEST}; build it with `python -m cmperf.mlperf.models.digits "
                               f"--out {dataset_dir}`")
        if not build_missing:
            raise DatasetError(f"digits-mlp is not built in {d}")
        digits.build(d, tf_export="yes" if fmt == "tf" else "no", torch_export="yes" if fmt == "pytorch" else "no")
    digits.verify(d)  # a modified or truncated file must not produce a silently different result
    return d


def resolve(spec, backend_name, dataset_dir=None, model_path=None):
    """Return (model_path, dataset_dir or None) for a harness-supported model spec."""
    fmt = FORMAT_OF_BACKEND.get(backend_name, "onnx")
    name = spec["name"]
    if name == "digits-mlp":
        d = digits_dir(dataset_dir, backend=backend_name)
        if model_path is None:
            if fmt not in spec["formats"]:
                raise ModelFileError(f"digits-mlp has no {fmt} model for backend {backend_name} "
                                     f"(formats: {', '.join(spec['formats'])})")
            model_path = os.path.join(d, spec["formats"][fmt]["file"])
            if not os.path.exists(model_path):
                flag = {"tf": "--tf yes", "pytorch": "--torch yes"}.get(fmt)
                raise ModelFileError(
                    f"{model_path} does not exist: rebuild digits-mlp with the framework importable "
                    f"(`python -m cmperf.mlperf.models.digits --out {d} {flag}`)" if flag
                    else f"{model_path} does not exist")
        return model_path, d
    if name == "resnet50-random":
        if model_path is None:
            from .models import resnet50_random
            model_path = os.path.join(cache_root(), "resnet50-random", resnet50_random.FILE_NAME)
            if not os.path.exists(model_path):
                resnet50_random.build(model_path)
        return model_path, dataset_dir
    # downloaded models: the caller (a CM script) fetches them; here we only need the paths
    if model_path is None:
        f = spec["formats"].get(fmt)
        raise ModelFileError(f"model {name} for backend {backend_name}: pass --model-path "
                             f"(official file: {f['url'] if f else 'none for this backend'})")
    if dataset_dir is None:
        raise DatasetError(f"model {name} needs --dataset-dir with a preprocessed {spec['dataset']} "
                           f"(see `{spec.get('preprocess_cli', 'its get-preprocessed-dataset CM script')}`)")
    return model_path, dataset_dir
