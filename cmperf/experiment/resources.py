"""What a step asks of the machine that runs it, in the user's words, checked before anything runs.

    --resources.cpus=2 --resources.memory=4G --resources.gpus=1 --resources.sut:box1=1
    --resources.whole_node=yes          # a benchmark that must not share its node
    --resources.cpus={{THREADS}}        # values may use the explored variables

``cpus``, ``gpus`` and ``memory`` are Ray's CPU, GPU and memory resources; any other key (such as
``sut:<name>``, which pins a step to the node started with that resource) is a custom resource.
The local executor runs one step at a time, so it needs none of them.
"""
import re

from .explore import ExploreError, substitute
from .runner import ExperimentError

KNOWN = ("cpus", "gpus", "memory", "whole_node")
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)i?b?\s*$", re.IGNORECASE)
_SCALE = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40}
_CUSTOM = re.compile(r"^[A-Za-z0-9_.:\-{}]+$")


def _number(key, text):
    try:
        value = float(text)
    except (TypeError, ValueError):
        raise ExperimentError(f"--resources.{key}={text!r}: expected a number") from None
    if value < 0:
        raise ExperimentError(f"--resources.{key}={text!r}: must not be negative")
    return int(value) if value == int(value) else value


def _bytes(text):
    m = _SIZE.match(str(text))
    if not m:
        raise ExperimentError(f"--resources.memory={text!r}: expected bytes or a size such as 512M or 4G")
    return int(float(m.group(1)) * _SCALE[m.group(2).lower()])


def _true(value):
    return str(value).strip().lower() in ("1", "true", "yes", "on", "")


def validate(spec):
    """The spec as given (strings kept for per-step substitution); ExperimentError for an unknown
    shape. Checked once with placeholders in place, again per step once substituted."""
    if not spec:
        return {}
    if not isinstance(spec, dict):
        raise ExperimentError(f"--resources: expected --resources.NAME=VALUE, not {spec!r}")
    for key in spec:
        if key not in KNOWN and not _CUSTOM.match(str(key)):
            raise ExperimentError(f"--resources.{key}: a resource name is letters, digits and . _ : -")
    return {str(k): v for k, v in spec.items()}


def step_resources(spec, values):
    """The concrete request of one step: {'num_cpus', 'num_gpus', 'memory', 'whole_node',
    'resources': {custom: amount}}, with {{VAR}} placeholders replaced by the step's values."""
    spec = validate(spec)
    out = {"num_cpus": 1, "num_gpus": 0, "memory": None, "whole_node": False, "resources": {}}
    for key, raw in spec.items():
        try:
            key_s = substitute([key], values)[0]
            text = substitute([str(raw)], values)[0]
        except ExploreError as e:
            raise ExperimentError(f"--resources.{key}: {e}") from None
        if key_s == "cpus":
            out["num_cpus"] = _number(key_s, text)
        elif key_s == "gpus":
            out["num_gpus"] = _number(key_s, text)
        elif key_s == "memory":
            out["memory"] = _bytes(text)
        elif key_s == "whole_node":
            out["whole_node"] = _true(text)
        else:
            out["resources"][key_s] = _number(key_s, text)
    return out


def ray_options(request, node_cpus=None):
    """The ``.options(...)`` of the Ray task for a step request; a whole-node step takes every CPU
    of the node it is pinned to (node_cpus), so Ray itself keeps other work off that node."""
    opts = {"num_cpus": request["num_cpus"], "num_gpus": request["num_gpus"]}
    if request["whole_node"] and node_cpus is not None:
        opts["num_cpus"] = max(node_cpus, request["num_cpus"])
    if request["memory"]:
        opts["memory"] = request["memory"]
    if request["resources"]:
        opts["resources"] = dict(request["resources"])
    return opts
