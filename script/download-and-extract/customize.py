from cmperf.platform import script_env
from cmperf.platform.cm_hooks import hook, is_yes, set_final_env


@hook
def plan(i):
    env = script_env.dae_env(i["env"])
    actions = script_env.plan_fetch(env)
    if is_yes(env.get("CM_DAE_EXTRACT_DOWNLOADED")):
        download = next((a for a in actions if a["kind"] == "download"), None)
        archive = download["path"] if download else env.get("CM_DOWNLOAD_LOCAL_FILE_PATH")
        actions += script_env.plan_unpack(env, archive)
    return {"actions": actions}


@hook
def preprocess(i):
    env = i["env"]
    env.update(script_env.dae_env(env))
    path = script_env.fetch(env)
    if is_yes(env.get("CM_DAE_EXTRACT_DOWNLOADED")):
        env["CM_EXTRACT_FILEPATH"] = path
        path = script_env.unpack(env)
    env["CM_DAE_FINAL_PATH"] = path
    env["CM_GET_DEPENDENT_CACHED_PATH"] = path
    set_final_env(env, "CM_DAE_FINAL_ENV_NAME", path)
