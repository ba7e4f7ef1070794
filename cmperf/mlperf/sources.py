"""Where MLPerf models, datasets and the inference sources come from when they are not downloaded.

The CM scripts (get-ml-model-*, get-dataset-*, get-mlperf-inference-src, process-mlperf-accuracy)
download the official files through download-and-extract / get-git-repo; their hooks call this
module for everything else: a local copy checked against the official md5, the ImageNet
validation set the user must supply, the layout of an mlcommons/inference checkout and the git
ref of a version, and the inputs (log, labels, features) of an accuracy check. Errors say what is
needed, where, and how to pass it.
"""
import os

from ..core.cm_hook import cm_hook as hook  # noqa: F401  (the hook decorator of the scripts)
from ..core.truth import is_true as is_yes  # noqa: F401
from ..filehash import md5_file
from .errors import DatasetError, MlperfError, ModelFileError
from .fsutil import staging_dir

IMAGE_SUFFIXES = (".jpeg", ".jpg", ".png")


def local_copy(path, md5, what, flag, error=ModelFileError):
    """A user-supplied copy of an official file: it must exist and, when md5 is known, match it.

    ``what`` names the artifact (e.g. "ResNet-50 ONNX fp32 opset-11"), ``flag`` the input that
    gave the path (e.g. "--model_path"). Returns the absolute path.
    """
    path = os.path.abspath(os.path.expanduser(path))
    if not os.path.isfile(path):
        raise error(f"{flag}={path}: no such file (expected the {what} file"
                    + (f", md5 {md5})" if md5 else ")"))
    if md5:
        got = md5_file(path)
        if got != md5.lower():
            raise error(f"{flag}={path} is not the official {what}: md5 {got}, expected {md5}; "
                        f"pass the official file, or drop {flag} to download it")
    return path


def set_preprocessed_path(env):
    """The folder a get-preprocessed-dataset-* run.sh writes into: --output_dir, else
    `preprocessed` in the script's cache entry (the working directory of its hooks)."""
    out = env.get("CM_DATASET_PREPROCESSED_OUTPUT_DIR") or os.path.join(os.getcwd(), "preprocessed")
    env["CM_DATASET_PREPROCESSED_PATH"] = os.path.abspath(out)
    return env["CM_DATASET_PREPROCESSED_PATH"]


def find_image_dir(root):
    """The shallowest directory under ``root`` that holds image files (archives often nest one)."""
    for d, dirs, files in sorted(os.walk(root), key=lambda t: t[0].count(os.sep)):
        if any(f.lower().endswith(IMAGE_SUFFIXES) for f in files):
            return d
    raise DatasetError(f"no images (*.JPEG, *.jpg, *.png) under {root}")


def count_images(d):
    return sum(1 for f in os.listdir(d) if f.lower().endswith(IMAGE_SUFFIXES))


IMAGENET_FULL = "ILSVRC2012_img_val.tar"


def imagenet_full(path, md5, workdir):
    """The full ImageNet 2012 validation set from ``path`` (a directory of JPEGs or the official tar).

    A tar is checked against ``md5`` and extracted (atomically) into ``workdir``. Returns the
    directory holding the images.
    """
    need = (f"the ImageNet 2012 validation set is not downloadable: get {IMAGENET_FULL} (md5 {md5}, "
            f"50,000 JPEGs) from image-net.org, then pass --imagenet_path=PATH (the tar or the "
            f"directory of extracted JPEGs) or set IMAGENET_PATH=PATH")
    if not path:
        raise DatasetError(need)
    path = os.path.abspath(os.path.expanduser(path))
    if os.path.isdir(path):
        return find_image_dir(path)
    if not os.path.isfile(path):
        raise DatasetError(f"--imagenet_path={path} does not exist; {need}")
    tar = local_copy(path, md5, f"ImageNet validation archive {IMAGENET_FULL}", "--imagenet_path", DatasetError)
    out = os.path.join(workdir, "imagenet-val")
    extract_tar(tar, out)
    return find_image_dir(out)


def extract_tar(tar, out_dir):
    """Extract ``tar`` into ``out_dir`` through a staging directory, under cmperf's one extraction
    policy (cmperf.platform.archive: on every Python, with or without tarfile's data filter)."""
    from ..platform import archive
    try:
        with staging_dir(out_dir) as tmp:
            archive.extract(tar, tmp, record=False)
    except (archive.ArchiveError, OSError) as e:
        raise DatasetError(f"cannot extract {tar}: {e}") from e
    return out_dir


# --------------------------------------------------------------- mlcommons/inference checkout
# Paths of the benchmark implementations inside mlcommons/inference (env key -> relative path).
INFERENCE_PATHS = {
    "CM_MLPERF_INFERENCE_VISION_PATH": "vision",
    "CM_MLPERF_INFERENCE_CLASSIFICATION_AND_DETECTION_PATH": "vision/classification_and_detection",
    "CM_MLPERF_INFERENCE_3DUNET_PATH": "vision/medical_imaging/3d-unet-kits19",
    "CM_MLPERF_INFERENCE_LANGUAGE_PATH": "language",
    "CM_MLPERF_INFERENCE_BERT_PATH": "language/bert",
    "CM_MLPERF_INFERENCE_RNNT_PATH": "speech_recognition/rnnt",
    "CM_MLPERF_INFERENCE_DLRM_PATH": "recommendation/dlrm",
    "CM_MLPERF_INFERENCE_TOOLS_PATH": "tools",
    "CM_MLPERF_INFERENCE_SUBMISSION_TOOLS_PATH": "tools/submission",
    "CM_MLPERF_INFERENCE_LOADGEN_PATH": "loadgen",
}
# mlperf.conf moved from the repository root into loadgen/ (compiled into LoadGen) in v4.1.
CONF_CANDIDATES = ("mlperf.conf", "loadgen/mlperf.conf")


def inference_layout(root):
    """Env keys for an mlcommons/inference checkout; DatasetError if ``root`` is not one."""
    root = os.path.abspath(os.path.expanduser(root))
    if not os.path.isdir(root):
        raise DatasetError(f"MLPerf inference source {root} does not exist")
    conf = next((os.path.join(root, c) for c in CONF_CANDIDATES if os.path.isfile(os.path.join(root, c))), None)
    if conf is None or not os.path.isdir(os.path.join(root, "loadgen")):
        raise DatasetError(f"{root} is not an mlcommons/inference checkout: it has no loadgen/ directory "
                           f"or no mlperf.conf ({' or '.join(CONF_CANDIDATES)})")
    env = {"CM_MLPERF_INFERENCE_SOURCE": root, "CM_MLPERF_INFERENCE_CONF_PATH": conf}
    for key, rel in INFERENCE_PATHS.items():
        if os.path.isdir(os.path.join(root, rel)):
            env[key] = os.path.join(root, rel)
    return env


def inference_git_ref(env):
    """The one git ref to check out: _sha.X, else _branch.X, else the version's branch or tag."""
    ref = {"CM_MLPERF_INFERENCE_GIT_CHECKOUT_SHA": env.get("CM_MLPERF_INFERENCE_GIT_SHA", "")}
    if not ref["CM_MLPERF_INFERENCE_GIT_CHECKOUT_SHA"]:
        if env.get("CM_MLPERF_INFERENCE_GIT_BRANCH"):
            ref["CM_MLPERF_INFERENCE_GIT_CHECKOUT_BRANCH"] = env["CM_MLPERF_INFERENCE_GIT_BRANCH"]
        elif env.get("CM_MLPERF_INFERENCE_VERSION_TAG"):
            ref["CM_MLPERF_INFERENCE_GIT_CHECKOUT_TAG"] = env["CM_MLPERF_INFERENCE_VERSION_TAG"]
        else:
            ref["CM_MLPERF_INFERENCE_GIT_CHECKOUT_BRANCH"] = env.get("CM_MLPERF_INFERENCE_VERSION_BRANCH") or "master"
    return {k: v for k, v in ref.items() if v}


# --------------------------------------------------------------- get-ml-model-* scripts
# Env contract of the model scripts: a variation (or combination) carries the official
# CM_PACKAGE_URL, CM_DOWNLOAD_CHECKSUM (md5, when known) and CM_ML_MODEL_FILE; the
# download-and-extract prehook dependency publishes the file as CM_ML_MODEL_FILE_WITH_PATH.

def official_choices(script_dir):
    """'_a,_b' strings of the script's variation keys that carry an official file (for errors)."""
    import yaml
    with open(os.path.join(script_dir, "_cm.yaml"), encoding="utf-8") as f:
        variations = yaml.safe_load(f).get("variations") or {}
    out = []
    for key, body in variations.items():
        if (body or {}).get("env", {}).get("CM_PACKAGE_URL"):
            out.append(",".join("_" + k for k in key.split(",")))
    return sorted(out)


def model_source(env, title):
    """Decide where the model comes from, before anything is downloaded.

    --model_path: verified against the official md5 and used in place. Otherwise the variations
    must name an official file (CM_PACKAGE_URL), which the prehook dependency downloads.
    """
    what = f"{title} ({env.get('CM_ML_MODEL_FRAMEWORK', '?')}, {env.get('CM_ML_MODEL_PRECISION', '?')})"
    local = env.get("CM_ML_MODEL_LOCAL_PATH", "")
    if local:
        env["CM_ML_MODEL_FILE_WITH_PATH"] = local_copy(local, env.get("CM_DOWNLOAD_CHECKSUM"), what, "--model_path")
        # no official checksum (e.g. RNN-T's checkpoint): the copy is used, and recorded as unverified
        env["CM_ML_MODEL_CHECKSUM_VERIFIED"] = "yes" if env.get("CM_DOWNLOAD_CHECKSUM") else "no"
        return "local"
    if not env.get("CM_PACKAGE_URL"):
        raise ModelFileError(f"there is no official {what} file; choose one of: "
                             f"{'; '.join(official_choices(env['CM_TMP_CURRENT_SCRIPT_PATH']))} (or pass --model_path=FILE)")
    download_source(env, "CM_ML_MODEL_DOWNLOAD_URL", "CM_ML_MODEL_SOURCE_URL")
    return "download"


def plan_model(env, title):
    """The plan-time actions of a model script (no side effects): the download it will make, or a
    note on the local copy it will use (md5-checked, or recorded as unverified when no official
    checksum exists); ModelFileError when the variations name no official file."""
    md5 = env.get("CM_DOWNLOAD_CHECKSUM") or None
    local = env.get("CM_ML_MODEL_LOCAL_PATH", "")
    if local:
        check = f"md5 {md5} checked" if md5 else "no official checksum: recorded as unverified"
        return [{"kind": "note", "text": f"{title}: use the local copy {local} ({check})"}]
    if not env.get("CM_PACKAGE_URL"):
        what = f"{title} ({env.get('CM_ML_MODEL_FRAMEWORK', '?')}, {env.get('CM_ML_MODEL_PRECISION', '?')})"
        raise ModelFileError(f"there is no official {what} file; choose one of: "
                             f"{'; '.join(official_choices(env['CM_TMP_CURRENT_SCRIPT_PATH']))} (or pass --model_path=FILE)")
    return [{"kind": "download", "url": env.get("CM_ML_MODEL_DOWNLOAD_URL") or env["CM_PACKAGE_URL"], "size": None,
             "checksum": f"md5:{md5}" if md5 else None, "path": env.get("CM_ML_MODEL_FILE")}]


def plan_dataset(env, title, url_key="CM_DATASET_DOWNLOAD_URL", file_key="CM_DATASET_ARCHIVE_NAME"):
    """The plan-time actions of a dataset script: its download, or the --from copy it checks."""
    md5 = env.get("CM_DOWNLOAD_CHECKSUM") or None
    if env.get("CM_DOWNLOAD_LOCAL_FILE_PATH"):
        return [{"kind": "note", "text": f"{title}: use the local copy {env['CM_DOWNLOAD_LOCAL_FILE_PATH']}"
                                         + (f" (md5 {md5} checked)" if md5 else "")}]
    if not env.get("CM_PACKAGE_URL"):
        raise DatasetError(f"no official source for {title}")
    return [{"kind": "download", "url": env.get(url_key) or env["CM_PACKAGE_URL"], "size": None,
             "checksum": f"md5:{md5}" if md5 else None, "path": env.get(file_key)}]


def download_source(env, mirror_key, out_key):
    """The URL to download from: the user's mirror (``--url``, same md5 checked) or the official one."""
    env[out_key] = env.get(mirror_key) or env["CM_PACKAGE_URL"]
    return env[out_key]


def model_outputs(env):
    """The CM_ML_MODEL_* keys every model script exports, from CM_ML_MODEL_FILE_WITH_PATH."""
    path = env.get("CM_ML_MODEL_FILE_WITH_PATH", "")
    if not path or not os.path.exists(path):
        raise ModelFileError(f"the model file was not produced (CM_ML_MODEL_FILE_WITH_PATH={path!r})")
    while os.path.isdir(path) and len(os.listdir(path)) == 1 and \
            os.path.isdir(os.path.join(path, os.listdir(path)[0])):
        path = os.path.join(path, os.listdir(path)[0])   # archives usually wrap one top folder
    env["CM_ML_MODEL_FILE_WITH_PATH"] = path
    env["CM_ML_MODEL_FILE"] = os.path.basename(path)
    env["CM_ML_MODEL_PATH"] = os.path.dirname(path) if os.path.isfile(path) else path
    if env.get("CM_DOWNLOAD_CHECKSUM"):
        env["CM_ML_MODEL_MD5"] = env["CM_DOWNLOAD_CHECKSUM"]
    if not env.get("CM_ML_MODEL_STARTING_WEIGHTS_FILENAME"):
        # upstream records the official URL (even when a mirror or a local copy was used)
        env["CM_ML_MODEL_STARTING_WEIGHTS_FILENAME"] = env.get("CM_PACKAGE_URL") or os.path.basename(path)


# --------------------------------------------------------------- get-dataset-* scripts
def dataset_source(env, title):
    """Check a --from copy (clear error naming the dataset), else choose the download URL.

    The download-and-extract prehook dependency then takes the --from file (it reads
    CM_DOWNLOAD_LOCAL_FILE_PATH) or downloads CM_DATASET_SOURCE_URL, md5 checked either way.
    """
    md5 = env.get("CM_DOWNLOAD_CHECKSUM")
    if env.get("CM_DOWNLOAD_LOCAL_FILE_PATH"):
        env["CM_DOWNLOAD_LOCAL_FILE_PATH"] = local_copy(env["CM_DOWNLOAD_LOCAL_FILE_PATH"], md5, title,
                                                        "--from", DatasetError)
    if not env.get("CM_PACKAGE_URL"):
        raise DatasetError(f"no official source for {title}")
    download_source(env, "CM_DATASET_DOWNLOAD_URL", "CM_DATASET_SOURCE_URL")


def calibration_list(env, out_key, title):
    """The list file a calibration-list script produced (``env[out_key]``): checked to exist and name
    at least one image, and published as CM_DATASET_CALIBRATION_LIST_PATH as upstream does."""
    path = env.get(out_key, "")
    if not os.path.isfile(path):
        raise DatasetError(f"the {title} was not produced ({out_key}={path!r})")
    with open(path, encoding="utf-8") as f:
        if not any(line.strip() for line in f):
            raise DatasetError(f"the {title} {path} is empty")
    env["CM_DATASET_CALIBRATION_LIST_PATH"] = path


# --------------------------------------------------------------- process-mlperf-accuracy
# Datasets whose accuracy script exists in mlcommons/inference but not yet in cmperf (-> the model
# whose registry entry names that script).
ACCURACY_LOG = "mlperf_log_accuracy.json"


def _run_info(result_dir):
    """run.json that cmperf's harness writes next to the logs ({} when absent or unreadable)."""
    import json
    try:
        with open(os.path.join(result_dir, "run.json"), encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError):
        return {}


def _labels(env, info):
    """--labels, else the run's dataset labels.npy, else the preprocessed dataset's, else aux val.txt."""
    given = env.get("CM_MLPERF_ACCURACY_LABELS", "")
    if given:
        if not os.path.isfile(given):
            raise DatasetError(f"--labels={given} does not exist")
        return given
    candidates = [os.path.join(d, "labels.npy")
                  for d in (info.get("dataset_dir"), env.get("CM_DATASET_PREPROCESSED_PATH")) if d]
    if env.get("CM_DATASET_AUX_PATH"):
        candidates.append(os.path.join(env["CM_DATASET_AUX_PATH"], "val.txt"))
    for c in candidates:
        if os.path.isfile(c):
            return c
    raise DatasetError("no labels for the accuracy check: pass --labels=labels.npy|val.txt (the run.json "
                       "of the result dir names no dataset with a labels.npy)")


def accuracy_command(dataset, result_dir, env, out):
    """argv (after the interpreter) that writes ``out`` (accuracy.txt) for ``dataset``."""
    if not result_dir:
        raise DatasetError("pass --result_dir=DIR (the directory holding mlperf_log_accuracy.json)")
    log = os.path.join(os.path.abspath(result_dir), ACCURACY_LOG)
    if not os.path.isfile(log):
        raise DatasetError(f"{log} does not exist (was {result_dir} an accuracy-mode run?)")
    info = _run_info(result_dir)
    if dataset in ("imagenet", "digits"):
        dtype = env.get("CM_ACCURACY_DTYPE") or info.get("response_dtype") or "float32"
        return ["-m", "cmperf.mlperf.accuracy.imagenet", "--mlperf-accuracy-file", log,
                "--labels", _labels(env, info), "--dtype", dtype, "--output", out]
    if dataset == "squad":
        need = {"--features-dir": ("CM_DATASET_SQUAD_TOKENIZED_ROOT", "--features_dir"),
                "--squad-json": ("CM_DATASET_SQUAD_VAL_PATH", "--squad_json"),
                "--vocab": ("CM_DATASET_SQUAD_VOCAB_PATH", "--vocab")}
        missing = [flag for key, flag in need.values() if not env.get(key)]
        if missing:
            raise DatasetError(f"_squad accuracy needs {', '.join(missing)} (or the env of "
                               "get-preprocessed-dataset-squad)")
        argv = ["-m", "cmperf.mlperf.squad.accuracy", "--mlperf-accuracy-file", log, "--out", out]
        for opt, (key, _) in need.items():
            argv += [opt, env[key]]
        if env.get("CM_ACCURACY_DTYPE"):
            argv += ["--output-dtype", env["CM_ACCURACY_DTYPE"]]
        return argv
    if dataset == "librispeech":
        manifest = env.get("CM_DATASET_LIBRISPEECH_MANIFEST", "")
        if not manifest and info.get("dataset_dir"):   # the prepared LibriSpeech the run read
            manifest = os.path.join(info["dataset_dir"], "manifest.json")
        if not manifest:
            raise DatasetError("_librispeech accuracy needs --manifest=FILE: the reference's JSON list of "
                               "samples (e.g. dev-clean-wav.json) whose i-th 'transcript' is sample i's truth")
        return ["-m", "cmperf.mlperf.accuracy.wer", "--mlperf-accuracy-file", log, "--manifest", manifest,
                "--output", out]
    if dataset == "openimages":
        ann = env.get("CM_DATASET_ANNOTATIONS_FILE_PATH", "")
        if not ann and info.get("dataset_dir"):
            from .openimages.preprocess import load_manifest
            ann = load_manifest(info["dataset_dir"]).get("annotations", "")
        if not ann:
            raise DatasetError("_openimages accuracy needs --annotations=openimages-mlperf.json (the run.json of "
                               "the result dir names no preprocessed OpenImages dataset)")
        return ["-m", "cmperf.mlperf.openimages.accuracy", "--mlperf-accuracy-file", log, "--annotations", ann,
                "--output", out]
    if dataset == "kits19":
        pre = env.get("CM_DATASET_PREPROCESSED_PATH") or info.get("dataset_dir") or ""
        if not pre:
            raise DatasetError("_kits19 accuracy needs --preprocessed_dir=DIR (the preprocessed KiTS19 volumes "
                               "and their ground truth)")
        return ["-m", "cmperf.mlperf.kits19.accuracy", "--mlperf-accuracy-file", log,
                "--preprocessed-data-dir", pre, "--output", out]
    raise MlperfError(f"accuracy script not implemented yet for {dataset}; cmperf computes "
                      "accuracy for _imagenet, _digits, _squad, _librispeech, _openimages and _kits19")
