import os

from cmperf.platform import PlatformError, script_env
from cmperf.platform.cm_hooks import hook, is_yes, urls_from_env


def test_hook_turns_exceptions_into_cm_errors():
    @hook
    def fails(i):
        raise PlatformError("needs --name")

    @hook
    def disk(i):
        open(os.path.join(i["dir"], "missing", "x"), "w")

    @hook
    def ok(i):
        return {"version": "1.0"}

    assert fails({}) == {"return": 1, "error": "needs --name"}
    r = disk({"dir": "/nonexistent-dir"})
    assert r["return"] == 1 and "/nonexistent-dir/missing/x" in r["error"]
    assert ok({}) == {"return": 0, "version": "1.0"}


def test_env_helpers():
    assert is_yes("YES") and is_yes(True) and not is_yes("no") and not is_yes(None)
    env = {"CM_DOWNLOAD_URL": "a", "CM_DOWNLOAD_URL2": "c", "CM_DOWNLOAD_URL1": "b"}
    assert urls_from_env(env) == ["a", "b", "c"]
    assert script_env.default_extract_target("/x/aux.tar.gz").endswith(os.sep + "aux")
    assert script_env.default_extract_target("/x/val.txt.gz").endswith(os.sep + "val.txt")


def test_final_env_name_receives_the_path(tmp_path):
    archive = tmp_path / "local.bin"
    archive.write_bytes(b"x")
    env = {"CM_DOWNLOAD_LOCAL_FILE_PATH": str(archive), "CM_DOWNLOAD_FINAL_ENV_NAME": "CM_ML_MODEL_FILE_WITH_PATH",
           "CM_DOWNLOAD_CHECKSUM": "9dd4e461268c8034f5c8564e155c67a6"}
    assert script_env.fetch(env) == str(archive)
    assert env["CM_ML_MODEL_FILE_WITH_PATH"] == str(archive) == env["CM_DOWNLOAD_DOWNLOADED_PATH"]
