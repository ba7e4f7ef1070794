"""Build the accuracy command for the dataset (run.sh runs it); read the result back."""
import os
import shlex

from cmperf.mlperf import sources
from cmperf.mlperf.sources import accuracy_command


@sources.hook
def preprocess(i):
    env = i["env"]
    out = os.path.join(os.path.abspath(env.get("CM_MLPERF_ACCURACY_RESULTS_DIR") or "."), "accuracy.txt")
    env["CM_MLPERF_ACCURACY_TXT"] = out
    if os.path.isfile(out) and not sources.is_yes(env.get("CM_RERUN")):
        print(f"{out} exists (pass --rerun to recompute)")
        return {"skip": True}
    cmd = accuracy_command(env["CM_DATASET"], env.get("CM_MLPERF_ACCURACY_RESULTS_DIR", ""), env, out)
    env["CM_MLPERF_ACCURACY_CMD"] = shlex.join([env.get("CM_PYTHON_BIN_WITH_PATH", "python3")] + cmd)


@sources.hook
def postprocess(i):
    env = i["env"]
    with open(env["CM_MLPERF_ACCURACY_TXT"], encoding="utf-8") as f:
        env["CM_MLPERF_ACCURACY_RESULT"] = f.readline().strip()
