from cmperf.platform import script_env
from cmperf.platform.cm_hooks import hook, is_yes, set_final_env


@hook
def preprocess(i):
    env = i["env"]
    for n in [""] + [str(k) for k in range(1, 10)]:  # CM_DAE_URL[n] -> CM_DOWNLOAD_URL[n]
        if env.get(f"CM_DAE_URL{n}"):
            env[f"CM_DOWNLOAD_URL{n}"] = env[f"CM_DAE_URL{n}"]
    path = script_env.fetch(env)
    if is_yes(env.get("CM_DAE_EXTRACT_DOWNLOADED")):
        env["CM_EXTRACT_FILEPATH"] = path
        path = script_env.unpack(env)
    env["CM_DAE_FINAL_PATH"] = path
    env["CM_GET_DEPENDENT_CACHED_PATH"] = path
    set_final_env(env, "CM_DAE_FINAL_ENV_NAME", path)
