"""Version strings: comparison, constraints and the clamped default."""
import re

from .errors import VersionError

_PART = re.compile(r"\d+|[A-Za-z]+")


def _key(version):
    parts = []
    for token in _PART.findall(str(version)):
        parts.append((1, int(token), "") if token.isdigit() else (0, 0, token.lower()))
    # 1.2 == 1.2.0: drop trailing zeros
    while parts and parts[-1] == (1, 0, ""):
        parts.pop()
    return parts


def compare(a, b):
    """-1, 0 or 1, comparing dotted versions numerically (1.10 > 1.9)."""
    ka, kb = _key(a), _key(b)
    return (ka > kb) - (ka < kb)


def satisfies(version, exact="", vmin="", vmax=""):
    if exact and compare(version, exact) != 0:
        return False
    if vmin and compare(version, vmin) < 0:
        return False
    if vmax and compare(version, vmax) > 0:
        return False
    return True


def describe(exact="", vmin="", vmax=""):
    if exact:
        return f"=={exact}"
    bits = [f">={vmin}" if vmin else "", f"<={vmax}" if vmax else ""]
    return ",".join(b for b in bits if b) or "any"


def check(detected, exact="", vmin="", vmax="", what="", script=""):
    if not satisfies(detected, exact, vmin, vmax):
        raise VersionError(
            f"{what or 'detected'} version {detected} does not satisfy {describe(exact, vmin, vmax)}",
            script=script, hint=f"detected: {detected}; wanted: {describe(exact, vmin, vmax)}")


def check_constraints_consistent(exact="", vmin="", vmax="", script=""):
    if vmin and vmax and compare(vmin, vmax) > 0:
        raise VersionError(f"version_min {vmin} is greater than version_max {vmax}", script=script)
    if exact and not satisfies(exact, "", vmin, vmax):
        raise VersionError(f"version {exact} is outside {describe('', vmin, vmax)}", script=script)


def clamp_default(default, vmin="", vmax="", max_usable=""):
    """The default version, moved inside [min, max] as upstream CM does."""
    if not default:
        return ""
    if vmin and compare(default, vmin) < 0:
        return vmin
    if vmax and compare(default, vmax) > 0:
        return max_usable or vmax
    return default


def pip_spec(exact="", vmin="", vmax=""):
    """The pip requirement suffix for constraints: '==1.2', '>=1.0,<=2.0' or ''."""
    if exact:
        return f"=={exact}"
    return ",".join(x for x in (f">={vmin}" if vmin else "", f"<={vmax}" if vmax else "") if x)
