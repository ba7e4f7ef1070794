"""The container engine found on this machine (podman or docker) and the commands cmperf runs with it.

Choice, as upstream: `--docker_container_tool` or `$CM_CONTAINER_TOOL`, else docker when its daemon
answers, else podman. A podman configured by `.ci/setup-containers.sh` (private store, runc) is
used when `$CONTAINERS_CONF` is not set. Builds and runs use the host network (no bridge rules left
behind) and never pull: a base image that is not local is an error unless --docker_pull.
"""
import collections
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field

from ..core import progress
from .errors import BaseImageMissing, BuildFailed, NoEngine

SETUP_HOME_ENV = "CMPERF_CONTAINERS_HOME"
DEFAULT_SETUP_HOME = "/var/tmp/cmperf-containers"
SETUP_SCRIPT = ".ci/setup-containers.sh"
TAIL_LINES = 30


@dataclass
class Engine:
    tool: str                                   # "podman" or "docker"
    path: str
    env: dict = field(default_factory=dict)     # extra environment for every engine command
    note: str = ""

    def environ(self, extra=None):
        return {**os.environ, **self.env, **(extra or {})}

    def run(self, args, **kw):
        return subprocess.run([self.path, *args], env=self.environ(kw.pop("extra_env", None)),
                              capture_output=True, text=True, **kw)

    def image_exists(self, image):
        args = ["image", "exists", image] if self.tool == "podman" else ["image", "inspect", image]
        return self.run(args, timeout=60).returncode == 0

    def image_size(self, image):
        r = self.run(["image", "inspect", "--format", "{{.Size}}", image], timeout=60)
        return int(r.stdout.strip()) if r.returncode == 0 and r.stdout.strip().isdigit() else None

    def rootless(self):
        return os.geteuid() != 0 and self.tool == "podman"


def _setup_env(environ):
    if environ.get("CONTAINERS_CONF"):
        return {}, ""
    home = environ.get(SETUP_HOME_ENV) or DEFAULT_SETUP_HOME
    conf, storage = os.path.join(home, "containers.conf"), os.path.join(home, "storage.conf")
    if not os.path.isfile(conf):
        return {}, ""
    env = {"CONTAINERS_CONF": conf}
    if os.path.isfile(storage) and not environ.get("CONTAINERS_STORAGE_CONF"):
        env["CONTAINERS_STORAGE_CONF"] = storage
    return env, f"podman configuration of {SETUP_SCRIPT} in {home}"


def detect(preferred="", environ=os.environ, which=shutil.which, run=subprocess.run):
    """The first usable engine; NoEngine lists why each candidate is not usable."""
    candidates = [preferred] if preferred else ["docker", "podman"]
    reasons = []
    for tool in candidates:
        path = which(tool)
        if not path:
            reasons.append(f"{tool}: not found on PATH")
            continue
        env, note = _setup_env(environ) if tool == "podman" else ({}, "")
        try:
            r = run([path, "info"], env={**environ, **env}, capture_output=True, text=True, timeout=60)
        except (OSError, subprocess.TimeoutExpired) as e:
            reasons.append(f"{tool}: `{tool} info` failed: {e}")
            continue
        if r.returncode == 0:
            return Engine(tool, path, env, note)
        last = (r.stderr or r.stdout).strip().splitlines()[-1:] or [f"exit code {r.returncode}"]
        reasons.append(f"{tool}: `{tool} info` failed: {last[0]}")
    raise NoEngine("no usable container engine: " + "; ".join(reasons),
                   hint=f"install podman (on Debian/Ubuntu, `{SETUP_SCRIPT}` of the cmperf checkout installs and "
                        "configures it) or start the docker daemon; choose one with --docker_container_tool=podman|docker")


def check_base_image(engine, image, pull=False):
    """Validate before building: the base image is local, or pulling was asked for."""
    if engine.image_exists(image) or pull:
        return
    hint = (f"make it from Debian packages without any registry: `{SETUP_SCRIPT}` (debootstrap + "
            f"`{engine.tool} import`), or name a local image with --docker_base_image=NAME "
            f"(`{engine.tool} images` lists them), or pass --docker_pull to let {engine.tool} pull {image}")
    raise BaseImageMissing(f"base image {image} is not in {engine.tool}'s local image store and nothing is "
                           "pulled unless asked", hint=hint)


def build(engine, context, tag, no_cache=False, log_path=None):
    """Build ``context``/Containerfile as ``tag``; progress per build step; BuildFailed with the log tail."""
    # --force-rm: a failed step leaves no intermediate container behind (docker's default keeps it).
    args = ["build", "--network=host", "--force-rm", "-f", os.path.join(context, "Containerfile"), "-t", tag]
    if no_cache:
        args.append("--no-cache")
    args.append(context)
    log_path = log_path or os.path.join(context, "build.log")
    tail = collections.deque(maxlen=TAIL_LINES)
    step = re.compile(r"^(?:STEP|Step) (\d+)/(\d+)\s*:?\s*(.*)")
    with open(log_path, "w", encoding="utf-8", buffering=1) as log, progress.Task(f"build {tag}", unit="steps") as task:
        proc = subprocess.Popen([engine.path, *args], env=engine.environ(), stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True, errors="replace")
        for line in proc.stdout:
            log.write(line)
            tail.append(line.rstrip("\n"))
            m = step.match(line.strip())
            if m:
                task.update(int(m.group(1)) - 1, detail=m.group(3)[:60], total=int(m.group(2)))
        rc = proc.wait()
        if rc == 0 and task.total:
            task.update(task.total, detail="built")
    if rc != 0:
        shown = "\n".join("    " + x for x in tail)
        raise BuildFailed(f"{engine.tool} build of {tag} failed (exit code {rc})\n"
                          f"  command: {engine.tool} {' '.join(args)}\n  log: {log_path}\n"
                          f"  last {len(tail)} lines:\n{shown}",
                          hint="the Containerfile is kept next to the log; fix the cause and run the same command again")
    return log_path


def stream(engine, args, extra_env=None, out=sys.stdout):
    """Run an engine command, echoing its output; returns (exit code, last lines)."""
    tail = collections.deque(maxlen=TAIL_LINES)
    proc = subprocess.Popen([engine.path, *args], env=engine.environ(extra_env), stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, errors="replace")
    for line in proc.stdout:
        out.write(line)
        out.flush()
        tail.append(line.rstrip("\n"))
    return proc.wait(), list(tail)
