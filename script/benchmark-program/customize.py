"""Run and time CM_RUN_CMD (logic in cmperf.platform.bench_program)."""
import os

from cmperf.core.cm_hook import cm_hook
from cmperf.platform import bench_program as bp


@cm_hook
def preprocess(i):
    env = i["env"]
    cmd = bp.command_line(env.get("CM_RUN_CMD", ""), env.get("CM_RUN_PREFIX", ""),
                          bp.split_commands(env.get("CM_PRE_RUN_CMDS")), bp.split_commands(env.get("CM_POST_RUN_CMDS")))
    cwd = os.path.abspath(env.get("CM_RUN_DIR") or os.getcwd())
    log = env.get("CM_BENCHMARK_PROGRAM_LOG") or os.path.join(cwd, "benchmark-program.log")
    run_env = {k: v for k, v in env.items() if isinstance(v, str)}
    seconds = bp.run(cmd, cwd, log, env={**os.environ, **run_env})
    env["CM_BENCHMARK_PROGRAM_SECONDS"] = f"{seconds:.3f}"
    env["CM_BENCHMARK_PROGRAM_LOG"] = log


@cm_hook
def plan(i):
    env = i["env"]
    cmd = bp.command_line(env.get("CM_RUN_CMD", ""), env.get("CM_RUN_PREFIX", ""),
                          bp.split_commands(env.get("CM_PRE_RUN_CMDS")), bp.split_commands(env.get("CM_POST_RUN_CMDS")))
    return {"actions": [{"kind": "note", "text": f"run: {cmd}"}]}
