"""Host paths the containerised run sees, mounted at the same absolute paths so every path the
run writes (results, READMEs, logs) reads the same on the host as after a native run.

Outputs the request names (results, submission folders) are created on the host as a native run
would, and mounted read-write; inputs (models, datasets, system files) must exist and are mounted
read-only; nothing else of the host is visible, and the mounts are listed before the run.
"""
import os
from dataclasses import dataclass

from .containerfile import CACHE_DIR
from .errors import ContainerError

OUTPUT_DIRS = ("results_dir", "output_dir", "submission_dir")
OUTPUT_FILES = ("output_tar", "output_summary")
INPUT_PATHS = ("model_path", "dataset_path", "imagenet_path", "system_json", "dlrm_data_path",
               "criteo_day23_raw_data_path", "rgat_checkpoint_path", "nvidia_llama2_dataset_file_path",
               "input", "from", "local_path", "path")
# A native run of these scripts writes here when the flag is not given (relative to the cwd).
DEFAULT_OUTPUTS = {"results_dir": "results", "submission_dir": "submission"}


@dataclass(frozen=True)
class Mount:
    host: str
    container: str
    readonly: bool = False

    def arg(self):
        return f"{self.host}:{self.container}" + (":ro" if self.readonly else "")


def _abs(value, cwd):
    return os.path.normpath(os.path.join(cwd, os.path.expanduser(str(value))))


def plan(i, input_mapping, requested_variations, cache_dir="", extra=(), cwd=None):
    """(mounts, the input with path flags made absolute, folders to create) for a cmind input dict.

    Nothing is created here: the caller makes the folders right before the run, after every check."""
    cwd = cwd or os.getcwd()
    i = dict(i)
    mounts, created = [], []

    def output_dir(key, path):
        if not os.path.isdir(path):
            created.append(path)
        i[key] = path
        mounts.append(Mount(path, path))

    for key in OUTPUT_DIRS:
        if i.get(key) not in (None, "", True, False):
            output_dir(key, _abs(i[key], cwd))
    if "results_dir" in input_mapping and not any(i.get(k) for k in ("results_dir", "output_dir")):
        output_dir("results_dir", os.path.join(cwd, DEFAULT_OUTPUTS["results_dir"]))
    if "submission_dir" in input_mapping and "submission" in requested_variations and not i.get("submission_dir"):
        output_dir("submission_dir", os.path.join(cwd, DEFAULT_OUTPUTS["submission_dir"]))
    for key in OUTPUT_FILES:
        if i.get(key) not in (None, "", True, False):
            path = _abs(i[key], cwd)
            if not os.path.isdir(os.path.dirname(path)):
                created.append(os.path.dirname(path))
            i[key] = path
            mounts.append(Mount(os.path.dirname(path), os.path.dirname(path)))
    for key in INPUT_PATHS:
        if i.get(key) in (None, "", True, False):
            continue
        path = _abs(i[key], cwd)
        if not os.path.exists(path):
            raise ContainerError(f"--{key}={i[key]}: {path} does not exist on this machine, so it cannot be "
                                 "mounted into the container")
        i[key] = path
        mounts.append(Mount(path, path, readonly=True))
    if cache_dir:
        if not os.path.isdir(cache_dir):
            created.append(cache_dir)
        mounts.append(Mount(cache_dir, CACHE_DIR))
    for text in extra:
        parts = str(text).split(":")
        host = _abs(parts[0], cwd)
        if not os.path.exists(host):
            raise ContainerError(f"--docker_mounts: {host} does not exist on this machine")
        target = parts[1] if len(parts) > 1 and parts[1] else host
        mounts.append(Mount(host, target, readonly=len(parts) > 2 and parts[2] == "ro"))
    unique = list(dict.fromkeys(mounts))
    return unique, i, created


def user_args(engine, euid=None, egid=None):
    """Run as the invoking user where the engine allows it, so the results are theirs, not root's."""
    euid = os.geteuid() if euid is None else euid
    egid = os.getegid() if egid is None else egid
    if euid == 0:
        return []                                   # root inside is the invoking user already
    if engine.tool == "podman":
        return ["--userns=keep-id", "-e", "HOME=/tmp"]
    return ["--user", f"{euid}:{egid}", "-e", "HOME=/tmp"]
