"""customize.py: loading it, calling its hooks, and the helpers hooks call.

The hook contract is upstream CM's: `preprocess(i)` / `postprocess(i)` get a dict with
live `env`, `state`, `meta` and `run_script_input`, plus `automation` (a ScriptHelpers
object offering `find_artifact`, `parse_version`, `run_native_script`, `update_deps` and
`cmind`), and return `{'return': 0}` or `{'return': N, 'error': ...}`.
"""
import importlib.util
import os
import re
import sys

from . import envs
from .errors import HookError

_LOADED = {}


def load_customize(script_dir):
    path = os.path.join(script_dir, "customize.py")
    if not os.path.isfile(path):
        return None
    stamp = os.stat(path).st_mtime_ns
    cached = _LOADED.get(path)
    if cached and cached[0] == stamp:
        return cached[1]
    name = "cmperf_customize_" + re.sub(r"\W", "_", os.path.basename(script_dir))
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.path.insert(0, script_dir)   # hooks may import helper modules that sit beside them
    try:
        spec.loader.exec_module(module)
    except Exception as e:
        raise HookError(f"{path} cannot be imported: {_describe(e)}") from None
    finally:
        sys.path.remove(script_dir)
    _LOADED[path] = (stamp, module)
    return module


def call(module, name, i, script):
    fn = getattr(module, name, None) if module else None
    if fn is None:
        return {"return": 0}
    try:
        r = fn(i)
    except Exception as e:
        raise HookError(f"customize.py {name}() raised {_describe(e)}", script=script) from None
    if not isinstance(r, dict):
        raise HookError(f"customize.py {name}() must return a dict with 'return', got {type(r).__name__}",
                        script=script)
    if r.get("return", 0) > 0:
        raise HookError(f"customize.py {name}() failed: {r.get('error', 'no error message')}", script=script)
    return r


def _describe(e):
    import traceback
    frames = traceback.extract_tb(e.__traceback__)
    where = f" at {frames[-1].filename}:{frames[-1].lineno}" if frames else ""
    return f"{type(e).__name__}: {e}{where}"


class ScriptHelpers:
    """What upstream hooks call as `i['automation'].<helper>(...)`."""

    def __init__(self):
        import cmind
        self.cmind = cmind

    # -- upstream helper API (CM return dicts, as hooks expect) --------------
    def parse_version(self, i):
        path = os.path.join(os.getcwd(), i.get("file_name", "tmp-ver.out"))
        try:
            with open(path, encoding="utf-8", errors="replace") as f:
                text = f.read()
        except FileNotFoundError:
            return {"return": 1, "error": f"cannot detect the version: {path} was not written"}
        match = re.search(i["match_text"], text)
        if not match:
            return {"return": 1, "error": f"cannot find the version in {path} with /{i['match_text']}/: "
                                          f"{text.strip()[:200]!r}"}
        version = match.group(i.get("group_number", 0)).strip()
        which_env = i.get("which_env", {})
        if i.get("env_key"):
            which_env[i["env_key"]] = version
        which_env["CM_DETECTED_VERSION"] = version
        return {"return": 0, "version": version}

    def run_native_script(self, i):
        from . import native
        rsi = i["run_script_input"]
        env = i.get("env", rsi.get("env", {}))
        script_path = native.choose_script(rsi["path"], i["script_name"], env)
        if script_path is None:
            return {"return": 16, "error": f"no {i['script_name']}.sh in {rsi['path']}"}
        rc, tail, new_env, new_state, log = native.run(
            script_path, os.getcwd(), env, rsi.get("state", {}))
        envs.merge_env(env, new_env)
        if rc != 0:
            return {"return": 2, "error": f"{script_path} exited with {rc}; see {log}:\n" + "\n".join(tail)}
        return {"return": 0}

    def update_deps(self, i):
        patch_deps(i["deps"], i.get("update_deps", {}))
        return {"return": 0}

    def get_default_path_list(self, i):
        key = i.get("default_path_env_key", "PATH")
        return [p for p in os.environ.get(key, "").split(os.pathsep) if p]

    def find_artifact(self, i):
        """Find `file_name` on CM_TMP_PATH / extra paths / PATH, optionally detecting versions."""
        from ..core import versions
        env = i["env"]
        name = i["file_name"]
        dirs = []
        if env.get("CM_TMP_PATH"):
            dirs += env["CM_TMP_PATH"].split(os.pathsep)
        dirs += i.get("extra_paths", []) or []
        dirs += self.get_default_path_list(i)
        candidates = []
        for d in dirs:
            path = os.path.join(d, name)
            if os.path.isfile(path) and os.access(path, os.X_OK) and path not in candidates:
                candidates.append(path)
        if not candidates:
            return {"return": 16, "error": f"{name} was not found on " +
                    (env.get("CM_TMP_PATH") or "PATH")}
        exact, vmin, vmax = (env.get("CM_VERSION", ""), env.get("CM_VERSION_MIN", ""),
                             env.get("CM_VERSION_MAX", ""))
        chosen, rejected = None, []
        for path in candidates:
            if not i.get("detect_version"):
                chosen = path
                break
            version = self._detect_version(i, path)
            if version and versions.satisfies(version, exact, vmin, vmax):
                chosen = path
                break
            rejected.append(f"{path} ({version or 'version unknown'})")
        if chosen is None:
            return {"return": 16, "error": f"no {name} satisfies {versions.describe(exact, vmin, vmax)}; "
                                           f"detected: {', '.join(rejected)}"}
        if i.get("env_path_key"):
            env[i["env_path_key"]] = chosen
        found_dir = os.path.dirname(chosen)
        path_list = list(env.get("+PATH") or [])
        if found_dir not in path_list:
            path_list.append(found_dir)
        env["+PATH"] = path_list
        return {"return": 0, "found_path": found_dir, "found_file_path": chosen}

    def _detect_version(self, i, path):
        from . import native
        env = dict(i["env"])
        if i.get("env_path_key"):
            env[i["env_path_key"]] = path
        rsi = i["run_script_input"]
        script_path = native.choose_script(rsi["path"], rsi.get("script_name", "run"), env)
        if script_path is None:
            return ""
        rc, _, _, _, _ = native.run(script_path, os.getcwd(), env, {}, silent=True)
        module = load_customize(rsi["path"])
        hook = getattr(module, "detect_version", None)
        if rc != 0 or hook is None:
            return ""
        r = hook({"env": env, "automation": self, "run_script_input": rsi,
                  "os_info": i.get("os_info", {}), "state": {}})
        return r.get("version", "") if r.get("return", 0) == 0 else ""


def patch_deps(deps, patches, used=None):
    """Apply `{name: patch}` to the deps whose `names` include name; tags are appended."""
    for dep in deps:
        for name in dep.get("names", []) or []:
            patch = patches.get(name)
            if patch is None:
                continue
            if used is not None:
                used.add(name)
            apply_patch(dep, patch)


def apply_patch(dep, patch):
    for key, value in patch.items():
        if key == "tags":
            dep["tags"] = ",".join(t for t in (_tag_str(dep.get("tags")), _tag_str(value)) if t)
        elif key == "env" and isinstance(value, dict):
            dep.setdefault("env", {}).update(value)
        else:
            dep[key] = value


def _tag_str(tags):
    if isinstance(tags, list):
        return ",".join(tags)
    return tags or ""
