"""The MLPerf run as a typed call: env -> RunSpec (checked once) -> cmperf.mlperf.run.execute.

plan(i) builds the spec without side effects, so a bad combination is refused before any
dependency runs; postprocess runs it (after the model/dataset deps) and hands the records back
through the script's state (new_state_keys: mlperf-inference).
"""
import os
import sys

from cmperf.core.cm_hook import cm_hook
from cmperf.mlperf import run as mlrun
from cmperf.mlperf import spec_env


@cm_hook
def plan(i):
    spec = spec_env.from_env(_with_defaults(dict(i["env"])))   # side-effect free: a copy
    return {"actions": spec_env.plan_notes(spec)}


@cm_hook
def preprocess(i):
    env = i["env"]
    _with_defaults(env)
    spec_env.from_env(env)     # refuse bad input before anything runs
    return None


@cm_hook
def postprocess(i):
    env, state = i["env"], i["state"]
    spec = spec_env.from_env(env)
    records = mlrun.execute(spec, out=sys.stderr)
    state.setdefault("mlperf-inference", {})["runs"] = mlrun.summary(records)
    env["CM_MLPERF_RESULTS_DIR"] = spec.results_dir
    return None


def _with_defaults(env):
    results = env.get("CM_MLPERF_RESULTS_DIR") or os.path.join(os.getcwd(), "results")
    env["CM_MLPERF_RESULTS_DIR"] = os.path.abspath(results)
    if not env.get("CM_HW_NAME"):
        env["CM_HW_NAME"] = spec_env.default_hw_name()
    return env
