import os
import re

from cmperf.platform import PlatformError, git_repo
from cmperf.platform.cm_hooks import hook, is_yes, set_final_env


@hook
def preprocess(i):
    env = i["env"]
    url = env.get("CM_GIT_URL", "")
    if not url:
        raise PlatformError("no repository given: pass --url=URL or _repo.URL (a local directory works too)")
    subs = env.get("CM_GIT_RECURSE_SUBMODULES", "")
    submodules = True if is_yes(subs) else [s for s in subs.split(",") if s and subs.lower() not in ("no", "off", "false", "0")]
    depth = int(env.get("CM_GIT_DEPTH") or 0)
    dest = os.path.join(os.getcwd(), env.get("CM_GIT_CHECKOUT_FOLDER") or "repo")
    c = git_repo.clone(url, dest, env.get("CM_GIT_BRANCH") or None, env.get("CM_GIT_CHECKOUT_TAG") or None,
                       env.get("CM_GIT_SHA") or None, depth, submodules or False)
    env.update(c.to_env())
    if env.get("CM_GIT_ENV_KEY"):
        env[f"CM_GIT_REPO_{re.sub(r'[^A-Z0-9]', '_', env['CM_GIT_ENV_KEY'].upper())}_CHECKOUT_PATH"] = c.path
    set_final_env(env, "CM_GIT_CHECKOUT_PATH_ENV_NAME", c.path)
