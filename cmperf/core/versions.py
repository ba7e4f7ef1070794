"""Version strings: comparison, constraints, the clamped default and pip specifiers.

The one version module of cmperf, dependency-free because it also runs inside whatever
Python a workflow selected. Comparison is numeric on the leading dotted release numbers,
as CM's compare_versions does: "1.10" > "1.9", "3.11" == "3.11.0", and pre-release or
local suffixes are ignored ("2.1.0rc1" and "2.1.0+cpu" compare as 2.1.0). Names without
numbers ("master", "r3.1" has them) compare as text. An exact request names a prefix:
version "3.10" is satisfied by 3.10.13, as a user means it.
"""
import re

from .errors import CmperfError


class VersionConstraintError(CmperfError):
    """Version constraints contradict each other (the engine names the script)."""

_RELEASE = r"\s*v?(\d+(?:\.\d+)*)"    # compiled (and cached by re) when first used


def version_key(version):
    """Release numbers: "3.10.13" -> (3, 10, 13), "v1.2" -> (1, 2), "master" -> ()."""
    m = re.match(_RELEASE, str(version))
    return tuple(int(n) for n in m.group(1).split(".")) if m else ()


def compare(a, b):
    """-1, 0 or 1 like cmp(); missing trailing parts count as 0."""
    ka, kb = list(version_key(a)), list(version_key(b))
    if not ka or not kb:
        return (str(a) > str(b)) - (str(a) < str(b))
    width = max(len(ka), len(kb))
    ka += [0] * (width - len(ka))
    kb += [0] * (width - len(kb))
    return (ka > kb) - (ka < kb)


def _matches_exact(version, wanted):
    want = version_key(wanted)
    if not want:
        return str(version) == str(wanted)
    return version_key(version)[: len(want)] == want


def satisfies(version, exact="", vmin="", vmax=""):
    """True when ``version`` meets every given bound (inclusive)."""
    if exact and not _matches_exact(version, exact):
        return False
    if vmin and compare(version, vmin) < 0:
        return False
    if vmax and compare(version, vmax) > 0:
        return False
    return True


def describe(exact="", vmin="", vmax=""):
    """Human and pip readable constraint: '==1.2', '>=1.0,<=2.0' or '' (any)."""
    if exact:
        return f"=={exact}"
    return ",".join(p for p in (f">={vmin}" if vmin else "", f"<={vmax}" if vmax else "") if p)


def pip_specifier(exact="", vmin="", vmax=""):
    """The pip specifier of a constraint; a short exact version means a series ('3.10' -> '==3.10.*')."""
    if exact:
        return f"=={exact}.*" if 0 < len(version_key(exact)) < 3 else f"=={exact}"
    return describe(vmin=vmin, vmax=vmax)


def check_constraints_consistent(exact="", vmin="", vmax=""):
    if vmin and vmax and compare(vmin, vmax) > 0:
        raise VersionConstraintError(f"version_min {vmin} is greater than version_max {vmax}")
    if exact and not satisfies(exact, "", vmin, vmax):
        raise VersionConstraintError(f"version {exact} is outside {describe('', vmin, vmax)}")


def clamp_default(default, vmin="", vmax="", max_usable=""):
    """The default version, moved inside [min, max] as upstream CM does."""
    if not default:
        return ""
    if vmin and compare(default, vmin) < 0:
        return vmin
    if vmax and compare(default, vmax) > 0:
        return max_usable or vmax
    return default
