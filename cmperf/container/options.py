"""The `--docker_*` flags of `cm docker script` / `cm run script --docker`, as upstream CM spells them.

`--docker.KEY=V` (CM >= 2.3.8.1) is the same as `--docker_KEY=V`. An unknown `--docker_*` flag
is an error naming the closest known ones, before anything is built.
"""
import os
from dataclasses import dataclass, field

from ..core.suggest import did_you_mean
from ..core.truth import FALSE_WORDS, is_true
from .errors import ContainerError

# OS name and version -> the codename of the local base image `.ci/setup-containers.sh` makes.
CODENAMES = {("debian", "11"): "bullseye", ("debian", "12"): "bookworm", ("debian", "13"): "trixie",
             ("ubuntu", "20.04"): "focal", ("ubuntu", "22.04"): "jammy", ("ubuntu", "24.04"): "noble"}
DEFAULT_OS, DEFAULT_OS_VERSION = "debian", "12"

KNOWN = {
    "os": "OS of the image (debian, ubuntu)", "os_version": "its version (12, 22.04, ...)",
    "base_image": "a local image to build on (default localhost/<os>-min:<codename>)",
    "cache": "no: build without the layer cache; a folder: mounted as the container's CM cache",
    "it": "interactive shell in the image instead of the run", "dt": "run detached, print the container id",
    "skip_build": "use the existing image, never build", "noregenerate": "keep an existing Containerfile",
    "norecreate": "ignored: an image built from the same Containerfile is always reused", "image_repo": "image repository (default localhost)",
    "image_name": "image name (default cmperf-<script>)", "image_tag": "image tag (default: digest of the Containerfile)",
    "mounts": "extra host paths, HOST[:CONTAINER[:ro]] (comma separated)",
    "extra_run_args": "extra arguments for `run`", "all_gpus": "pass every GPU", "device": "pass a device",
    "shm_size": "shared memory size", "gh_token": "GitHub token, passed at run time only",
    "keep_alive": "keep the container after the run (no --rm)", "container_tool": "podman or docker",
    "pull": "allow the engine to pull a base image that is not local", "path": "folder for the Containerfile and build context",
    "skip_verify": "skip the check that the image's versions equal the plan's",
    "push_image": "push the image (not supported)", "cm_repo": "ignored: cmperf is copied from this checkout",
    "cm_repo_branch": "ignored", "save_script": "also write the engine commands to this file",
    "real_run": "ignored (upstream's fake_run of deps during the build)", "run_deps": "ignored",
    "fake_run_deps": "ignored",
}


@dataclass
class DockerOptions:
    os: str = DEFAULT_OS
    os_version: str = DEFAULT_OS_VERSION
    base_image: str = ""
    build_cache: bool = True
    cache_dir: str = ""               # host folder kept as the container's CM cache (models, datasets)
    interactive: bool = False
    detached: bool = False
    skip_build: bool = False
    noregenerate: bool = False
    image_repo: str = "localhost"
    image_name: str = ""
    image_tag: str = ""
    mounts: list = field(default_factory=list)
    extra_run_args: list = field(default_factory=list)
    all_gpus: bool = False
    device: str = ""
    shm_size: str = ""
    keep_alive: bool = False
    container_tool: str = ""
    pull: bool = False
    path: str = ""
    skip_verify: bool = False
    save_script: str = ""
    gh_token: str = ""                # a secret: passed to the run's environment, never to the image

    @property
    def base(self):
        if self.base_image:
            return self.base_image
        codename = CODENAMES.get((self.os, self.os_version))
        if not codename:
            known = ", ".join(f"{o} {v}" for o, v in CODENAMES)
            raise ContainerError(f"--docker_os={self.os} --docker_os_version={self.os_version} has no default "
                                 f"base image (known: {known})",
                                 hint="name a local image with --docker_base_image=NAME")
        return f"localhost/{self.os}-min:{codename}"


def _list(value):
    if value in (None, "", True, False):
        return []
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value if str(v)]
    return [v for v in str(value).split(",") if v]


def collect(i):
    """The docker settings of a cmind input dict: `docker_KEY` flags and the `docker` dict."""
    found = {k[len("docker_"):]: v for k, v in i.items() if k.startswith("docker_")}
    if isinstance(i.get("docker"), dict):
        for k, v in i["docker"].items():
            found.setdefault(k, v)
    for key in found:
        if key not in KNOWN:
            hint = did_you_mean(key, KNOWN, "--docker_") or \
                "known: " + ", ".join("--docker_" + k for k in sorted(KNOWN))
            raise ContainerError(f"unknown flag --docker_{key}", hint=hint)
    return found


def from_input(i, environ=os.environ):
    """DockerOptions from a cmind input dict; raises ContainerError on a bad flag."""
    f = collect(i)
    if is_true(f.get("push_image")):
        raise ContainerError("--docker_push_image is not supported: cmperf never pushes images",
                             hint="push it yourself with `podman push IMAGE` after the build")
    cache = f.get("cache")
    build_cache = True
    cache_dir = ""
    if cache is not None and cache is not True:
        if str(cache).strip().lower() in FALSE_WORDS:
            build_cache = False
        elif not is_true(cache):
            cache_dir = os.path.abspath(os.path.expanduser(str(cache)))
    o = DockerOptions(
        os=str(f.get("os") or DEFAULT_OS).lower(), os_version=str(f.get("os_version") or DEFAULT_OS_VERSION),
        base_image=str(f.get("base_image") or ""), build_cache=build_cache, cache_dir=cache_dir,
        interactive=is_true(f.get("it")), detached=is_true(f.get("dt")),
        skip_build=is_true(f.get("skip_build")), noregenerate=is_true(f.get("noregenerate")),
        image_repo=str(f.get("image_repo") or "localhost"), image_name=str(f.get("image_name") or ""),
        image_tag=str(f.get("image_tag") or ""), mounts=_list(f.get("mounts")),
        extra_run_args=_list(f.get("extra_run_args")) if isinstance(f.get("extra_run_args"), list)
        else str(f.get("extra_run_args") or "").split(),
        all_gpus=is_true(f.get("all_gpus")), device=str(f.get("device") or ""),
        shm_size=str(f.get("shm_size") or ""), keep_alive=is_true(f.get("keep_alive")),
        container_tool=str(f.get("container_tool") or environ.get("CM_CONTAINER_TOOL") or ""),
        pull=is_true(f.get("pull")), path=str(f.get("path") or ""), skip_verify=is_true(f.get("skip_verify")),
        save_script=str(f.get("save_script") or ""), gh_token=str(f.get("gh_token") or ""))
    if o.interactive and o.detached:
        raise ContainerError("--docker_it and --docker_dt exclude each other",
                             hint="an interactive shell needs the terminal; a detached run has none")
    if o.container_tool and o.container_tool not in ("podman", "docker"):
        raise ContainerError(f"--docker_container_tool={o.container_tool}: only podman and docker are supported")
    return o
