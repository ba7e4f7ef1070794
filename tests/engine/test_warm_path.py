"""The warm path stays light (issue 11): a cache hit imports nothing it does not use."""
import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

PROBE = """
import io, json, sys
from cmperf.engine import api
api.run({"action": "run", "automation": "script", "tags": "light", "s": True}, out=io.StringIO())
print(json.dumps(sorted(sys.modules)))
"""

# Each of these once cost a warm `cm run script` from 1 to 8 ms of CPU (docs/engine.md, Speed):
# the meta parser and YAML (the index is JSON), validation's difflib, @dataclass, OpenSSL's
# hashlib, platform, and what only a build needs (the native runner, subprocess, tempfile).
NOT_ON_THE_WARM_PATH = {"yaml", "cmperf.engine.meta", "difflib", "dataclasses", "hashlib", "_hashlib",
                        "platform", "cmperf.engine.native", "subprocess", "tempfile", "cmperf.engine.help"}


def test_a_cache_hit_imports_only_what_it_uses(repo, cm, workdir):
    repo.script("light", {"tags": ["light"], "cache": True, "new_env_keys": ["LIGHT_*"]},
                run='echo "LIGHT_X=1" > tmp-run-env.out\n')
    assert cm("run", "script", "--tags=light", "-s")["return"] == 0     # builds the entry and the index
    out = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=60,
                         env=dict(os.environ, PYTHONPATH=ROOT)).stdout
    loaded = set(json.loads(out.splitlines()[-1]))
    assert "cmperf.engine.execute" in loaded            # the probe did run the request
    assert sorted(loaded & NOT_ON_THE_WARM_PATH) == []


def test_loading_an_automation_adapter_imports_no_engine():
    """cmind imports an automation's module for any `cm <action> <automation>`; the script and cache
    adapters import the engine inside the actions that use it, not when loaded."""
    probe = ("import importlib.util, json, sys\n"
             "for name in sys.argv[1:]:\n"
             "    spec = importlib.util.spec_from_file_location(name + '_module', f'automation/{name}/module.py')\n"
             "    spec.loader.exec_module(importlib.util.module_from_spec(spec))\n"
             "print(json.dumps(sorted(sys.modules)))\n")
    out = subprocess.run([sys.executable, "-c", probe, "script", "cache"], capture_output=True, text=True,
                         timeout=60, cwd=ROOT, env=dict(os.environ, PYTHONPATH=ROOT))
    assert out.returncode == 0, out.stderr
    loaded = json.loads(out.stdout.splitlines()[-1])
    assert "cmind.automation" in loaded and [m for m in loaded if m.startswith("cmperf.engine")] == []
