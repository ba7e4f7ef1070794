"""Report the LoadGen that the selected Python imports, and where its mlperf.conf comes from."""
from cmperf.core import versions


def plan(i):
    """LoadGen comes from pip (get-generic-python-lib shows that cost) or from the sources."""
    env = i["env"]
    wanted = env.get("CM_VERSION", "")
    if wanted and not versions.version_key(wanted):
        return {"return": 1, "error": f"--loadgen_version '{wanted}' is not a version (e.g. 4.1.0)"}
    source = env.get("CM_MLPERF_LOADGEN_SOURCE", "pip")
    text = f"LoadGen {wanted or '(latest)'} from {'pip (mlcommons-loadgen)' if source == 'pip' else 'the inference sources'}"
    return {"return": 0, "actions": [{"kind": "note", "text": text}]}


def postprocess(i):
    env = i["env"]
    r = i["automation"].parse_version({"match_text": r"mlcommons-loadgen\s+([\d.]+)", "group_number": 1,
                                       "env_key": "CM_MLPERF_LOADGEN_VERSION", "which_env": env})
    if r["return"] > 0:
        return r
    version = r["version"]
    # From 4.1 the round's mlperf.conf is compiled into LoadGen; older ones need the file.
    env["CM_MLPERF_LOADGEN_MLPERF_CONF"] = "builtin" if versions.compare(version, "4.1") >= 0 \
        else env.get("CM_MLPERF_CONF", "")
    env["CM_MLPERF_LOADGEN_PYTHON"] = env["CM_PYTHON_BIN_WITH_PATH"]
    return {"return": 0, "version": version}
