"""Version strings: parse, compare and check against version/version_min/version_max.

Kept dependency-free (no ``packaging``) because it runs inside whatever Python a
workflow selected. Comparison is numeric on the leading dotted numbers, which is what
CM's ``compare_versions`` does and what pip/python versions need here.
"""
import re

from . import PlatformError


class VersionConstraintError(PlatformError):
    """A version does not satisfy the requested constraint."""


_NUM = re.compile(r"\d+")


def version_key(version):
    """Tuple of the release numbers of ``version`` ("3.10.13" -> (3, 10, 13)).

    Pre-release and local suffixes are ignored: "2.1.0rc1" and "2.1.0+cpu" both give (2, 1, 0).
    """
    release = re.match(r"\s*v?([\d.]+)", str(version))
    if not release:
        raise ValueError(f"not a version: {version!r}")
    return tuple(int(n) for n in _NUM.findall(release.group(1)))


def compare(a, b):
    """-1, 0 or 1 like cmp(); missing trailing parts count as 0 ("3.10" == "3.10.0")."""
    ka, kb = list(version_key(a)), list(version_key(b))
    width = max(len(ka), len(kb))
    ka += [0] * (width - len(ka))
    kb += [0] * (width - len(kb))
    return (ka > kb) - (ka < kb)


def _matches_exact(version, wanted):
    # "3.10" requested matches any 3.10.x, as a user means it; "3.10.2" must be exact.
    want = version_key(wanted)
    return version_key(version)[: len(want)] == want


def satisfies(version, exact=None, minimum=None, maximum=None):
    """True when ``version`` meets every given bound (inclusive)."""
    if exact and not _matches_exact(version, exact):
        return False
    if minimum and compare(version, minimum) < 0:
        return False
    if maximum and compare(version, maximum) > 0:
        return False
    return True


def describe(exact=None, minimum=None, maximum=None):
    """Human and pip readable constraint: '==1.2', '>=1.0,<=2.0' or '' (any)."""
    if exact:
        return f"=={exact}"
    return ",".join(p for p in (f">={minimum}" if minimum else "", f"<={maximum}" if maximum else "") if p)


def pip_specifier(exact=None, minimum=None, maximum=None):
    """The specifier CM puts in CM_TMP_PIP_VERSION_STRING; '3.10' exact means '==3.10.*'."""
    if exact:
        return f"=={exact}.*" if len(version_key(exact)) < 3 else f"=={exact}"
    return describe(minimum=minimum, maximum=maximum)
