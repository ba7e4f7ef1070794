"""KiTS19: an existing checkout (--dataset_path) or a clone (prehook get-git-repo) + run.sh imaging."""
import os

from cmperf.mlperf import sources
from cmperf.mlperf.errors import DatasetError


@sources.hook
def preprocess(i):
    env = i["env"]
    local = env.get("CM_DATASET_KITS19_LOCAL_PATH", "")
    if local:
        if not os.path.isdir(os.path.join(local, "data")):
            raise DatasetError(f"--dataset_path={local} is not a kits19 checkout with its data/ directory")
        env["CM_DATASET_KITS19_CHECKOUT_PATH"] = os.path.abspath(local)
        env["CM_DATASET_KITS19_SKIP_IMAGING"] = "yes"   # never download into the user's copy
        return
    env["CM_DATASET_KITS19_CLONE"] = "yes"


@sources.hook
def postprocess(i):
    env = i["env"]
    data = os.path.join(env["CM_DATASET_KITS19_CHECKOUT_PATH"], "data")
    if not os.path.isdir(data):
        raise DatasetError(f"the kits19 checkout {env['CM_DATASET_KITS19_CHECKOUT_PATH']} has no data/ directory")
    env["CM_DATASET_KITS19_PATH"] = env["CM_DATASET_PATH"] = data
