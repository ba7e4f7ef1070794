"""Run inside an image: the Python version and every installed distribution, as JSON on stdout."""
import importlib.metadata as md
import json
import platform
import re
import sys


def inventory():
    dists = {re.sub(r"[-_.]+", "-", d.metadata["Name"]).lower(): d.version
             for d in md.distributions() if d.metadata["Name"]}
    return {"python": platform.python_version(), "executable": sys.executable, "distributions": dists}


if __name__ == "__main__":
    json.dump(inventory(), sys.stdout, sort_keys=True)
