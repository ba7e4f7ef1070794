"""Build the generator command from the env (logic in cmperf.submission.cm_env)."""
import socket

from cmperf.submission import cm_env


def plan(i):
    """In run-mlperf,inference,_submission: refuse before the benchmark runs when the system fields
    only the user knows are missing (the generator at the end would refuse: the same required fields,
    from this host's facts and --system_json)."""
    env = i["env"]
    if env.get("CM_MLPERF_SUBMISSION_GENERATION") != "yes":
        return {"return": 0}     # called on its own: no benchmark runs before it, its own check suffices
    from cmperf.submission import sut_meta
    from cmperf.submission.system_desc import ACCELERATOR_FIELDS, DETECTED, parse_field_flags
    try:
        _, missing = sut_meta.describe(env.get("CM_HW_NAME") or socket.gethostname(),
                                       env.get("CM_MLPERF_SUBMISSION_DIVISION", "open"),
                                       env.get("CM_MLPERF_SUBMITTER", "cmperf"),
                                       env.get("CM_MLPERF_SUBMISSION_SYSTEM_TYPE", "edge"),
                                       env.get("CM_MLPERF_SYSTEM_JSON", ""))
        given = parse_field_flags(filter(None, str(env.get("CM_MLPERF_SYSTEM_FIELDS", "")).split(";")))
    except ValueError as e:          # an unreadable --system_json: say so now, not after the run
        return {"return": 1, "error": str(e)}
    # what the benchmark run itself records (cm-sut-info.json: framework, accelerators) is not asked for
    recorded = set(DETECTED.values()) | set(ACCELERATOR_FIELDS) | {"framework", "accelerators_per_node"}
    missing = [f for f in missing if f not in given and f not in recorded]
    if missing:
        return {"return": 1, "error": "a submission needs system field(s) no detection can know: "
                + ", ".join(missing) + "; give them in a JSON file with --system_json=FILE "
                "(docs/system-example.json shows them)"}
    return {"return": 0, "actions": []}


def preprocess(i):
    try:
        i["env"]["CM_MLPERF_SUBMISSION_GENERATE_CMD"] = cm_env.as_command(cm_env.generate_argv(i["env"]))
    except cm_env.EnvError as e:
        return {"return": 1, "error": str(e)}
    return {"return": 0}
