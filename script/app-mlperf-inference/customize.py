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


# Env names of v2.1-era CM that inference_results_v2.1 READMEs pass as --env.KEY=...: read as today's
# keys (which win when both are given), and said so in the plan.
V21_ENV = (("CM_LOADGEN_SCENARIO", "CM_MLPERF_LOADGEN_SCENARIOS", "--scenario"),
           ("CM_LOADGEN_MODE", "CM_MLPERF_LOADGEN_MODE", "--mode"),
           ("CM_SUT_NAME", "CM_HW_NAME", "--hw_name"))


@cm_hook
def plan(i):
    env = dict(i["env"])                                       # side-effect free: a copy
    notes = [{"kind": "note", "text": f"--env.{old}={env[old]} (v2.1-era name) read as {flag}={env[old]}"}
             for old, new, flag in V21_ENV if env.get(old) and not env.get(new)]
    spec = spec_env.from_env(_with_defaults(env))
    return {"actions": notes + spec_env.plan_notes(spec)}


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
    for old, new, _flag in V21_ENV:
        if env.get(old) and not env.get(new):
            env[new] = env[old]
    env["CM_MLPERF_LOADGEN_MODE"] = env.get("CM_MLPERF_LOADGEN_MODE") or "both"
    results = env.get("CM_MLPERF_RESULTS_DIR") or os.path.join(os.getcwd(), "results")
    env["CM_MLPERF_RESULTS_DIR"] = os.path.abspath(results)
    if not env.get("CM_HW_NAME"):
        env["CM_HW_NAME"] = spec_env.default_hw_name()
    return env
