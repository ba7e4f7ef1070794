"""The packages of a Python interpreter (`pip freeze`), as a dict and as upstream's pip_freeze.raw."""
import subprocess

from . import PlatformError


def freeze(python):
    """{name: version-or-spec} of the interpreter's installed distributions (pip freeze --all)."""
    try:
        proc = subprocess.run([python, "-m", "pip", "freeze", "--all", "--disable-pip-version-check"],
                              capture_output=True, text=True, timeout=120)
    except OSError as e:
        raise PlatformError(f"cannot run {python}: {e}") from None
    if proc.returncode:
        raise PlatformError(f"{python} -m pip freeze failed (rc {proc.returncode}): {proc.stderr.strip()[-500:]}")
    out = {}
    for line in proc.stdout.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if "==" in line:
            name, version = line.split("==", 1)
        elif " @ " in line:
            name, version = line.split(" @ ", 1)
        else:
            name, version = line, ""
        out[name.strip()] = version.strip()
    return out


def as_text(packages):
    return "".join(f"{k}=={v}\n" if v and not v.startswith(("file:", "git+", "http")) else f"{k} @ {v}\n"
                   if v else f"{k}\n" for k, v in sorted(packages.items(), key=lambda kv: kv[0].lower()))
