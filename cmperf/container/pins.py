"""pip versions the image installs: the plan's pip packages and cmperf's own requirements, each
pinned to the version the plan resolved (the version this machine's run uses), with their whole
dependency closure pinned as constraints, so the image holds what the native run holds.

A package the host does not have keeps its requirement spec (pip picks the newest match at build
time); the Containerfile says so and the post-build check reports the version it got.
"""
import ast
import importlib.metadata as md
import os
import re
from dataclasses import dataclass, field

try:
    from packaging.requirements import InvalidRequirement, Requirement
except ImportError:          # pip always carries a copy
    from pip._vendor.packaging.requirements import InvalidRequirement, Requirement

from .errors import ContainerError


def canon(name):
    return re.sub(r"[-_.]+", "-", name).lower()


@dataclass
class PipSet:
    requirements: dict = field(default_factory=dict)   # canonical name -> spec as requested (may be "")
    pins: dict = field(default_factory=dict)           # canonical name -> exact version (closure)
    unpinned: dict = field(default_factory=dict)       # canonical name -> spec, not on the host

    def requirement_lines(self):
        return [f"{n}=={self.pins[n]}" if n in self.pins else f"{n}{self.unpinned.get(n, '')}"
                for n in sorted(self.requirements)]

    def constraint_lines(self):
        return [f"{n}=={v}" for n, v in sorted(self.pins.items())]


def setup_requirements(setup_py):
    """install_requires of cmperf's setup.py, read without running it."""
    with open(setup_py, encoding="utf-8") as f:
        tree = ast.parse(f.read(), setup_py)
    for node in ast.walk(tree):
        if isinstance(node, ast.keyword) and node.arg == "install_requires":
            return [str(r) for r in ast.literal_eval(node.value)]
    raise ContainerError(f"{setup_py} has no literal install_requires list")


def host_distribution(name):
    """(version, requires) of an installed distribution of this Python, or None."""
    try:
        d = md.distribution(name)
    except md.PackageNotFoundError:
        return None
    return d.version, list(d.requires or [])


def _parse(text, where):
    try:
        return Requirement(text)
    except InvalidRequirement as e:
        raise ContainerError(f"pip requirement {text!r} from {where} cannot be parsed: {e}") from None


def resolve(plan_pip_actions, base_requirements, installed=host_distribution):
    """The PipSet for the plan's pip actions plus ``base_requirements`` (strings)."""
    wanted = {}
    for text in base_requirements:
        r = _parse(text, "setup.py")
        if r.marker is None or r.marker.evaluate({"extra": ""}):
            wanted[canon(r.name)] = (str(r.specifier), None)
    for a in plan_pip_actions:
        name = canon(a.get("package", ""))
        if not name:
            continue
        spec = str(a.get("spec") or "")
        _parse(name + spec, f"the plan's pip action {a}")
        wanted[name] = (spec, a.get("version"))
    out = PipSet(requirements={n: s for n, (s, _) in wanted.items()})
    stack = sorted(wanted)
    while stack:
        name = stack.pop()
        if name in out.pins or name in out.unpinned:
            continue
        spec, exact = wanted.get(name, ("", None))
        found = installed(name)
        if exact:
            out.pins[name] = str(exact)
        elif found and (not spec or _parse(name + spec, "pins").specifier.contains(found[0], prereleases=True)):
            out.pins[name] = found[0]
        else:
            out.unpinned[name] = spec
            continue
        for text in (found[1] if found else []):
            r = _parse(text, name)
            if r.marker is not None and not r.marker.evaluate({"extra": ""}):
                continue
            dep = canon(r.name)
            if dep not in out.pins and dep not in out.unpinned:
                stack.append(dep)
    return out


def for_plan(view, checkout, installed=host_distribution):
    return resolve(view.actions("pip"), setup_requirements(os.path.join(checkout, "setup.py")), installed)
