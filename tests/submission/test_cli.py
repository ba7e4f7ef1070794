"""The check CLI, the official-checker wrapper, the CM env -> command mapping and the CM hooks."""
import importlib.util
import os
import shlex

import pytest

from cmperf.submission import check, cm_env, official

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_check_cli_ok_and_failure(tree_builder, capsys):
    t = tree_builder.build()
    assert check.main(["--submission-dir", t.root, "--version", "v3.1"]) == 0
    out = capsys.readouterr().out
    assert "cmperf checker (v3.1): OK" in out and "digits-mlp (resnet)" in out
    os.remove(os.path.join(t.sub, "systems", f"{t.system}.json"))
    assert check.main(["--submission-dir", t.root, "--version", "v3.1"]) == 1
    out = capsys.readouterr().out
    assert "ERROR [system.missing] open/TestOrg/systems/testbox.json" in out and "FAILED" in out


def test_check_cli_unknown_round(tmp_path, capsys):
    assert check.main(["--submission-dir", str(tmp_path), "--version", "v9.9"]) == 2
    assert "v9.9" in capsys.readouterr().err


def _fake_official_checker(tmp_path, verdict_ok):
    """A stand-in with the official checker's CLI and output format (no real checker offline):
    it exercises only our wrapper's command line and verdict parsing."""
    tools = tmp_path / "inference" / "tools" / "submission"
    tools.mkdir(parents=True)
    summary = "SUMMARY: submission looks OK" if verdict_ok else "SUMMARY: submission has errors"
    rc = 0 if verdict_ok else 1
    (tools / "submission_checker.py").write_text(
        "import sys\n"
        "assert sys.argv[1:3] == ['--input', sys.argv[2]] and '--version' in sys.argv\n"
        "print('[2026 submission_checker.py:1 ERROR] open/x broken') if %d else None\n"
        "print(%r)\nsys.exit(%d)\n" % (rc, summary, rc))
    return str(tmp_path / "inference")


@pytest.mark.parametrize("ok", [True, False])
def test_official_wrapper(tmp_path, tree_builder, ok, capsys):
    t = tree_builder.build()
    src = _fake_official_checker(tmp_path, ok)
    res = official.run_official_checker(src, t.root, "v3.1")
    assert res.ok is ok and (res.error_lines == [] if ok else len(res.error_lines) == 1)
    assert check.main(["--submission-dir", t.root, "--version", "v3.1", "--official-src", src]) == (0 if ok else 1)
    out = capsys.readouterr().out
    assert "cmperf checker (v3.1): OK" in out and f"official checker (v3.1): {'OK' if ok else 'FAILED'}" in out


def test_official_src_missing(tmp_path):
    with pytest.raises(official.OfficialCheckerError, match="mlcommons/inference"):
        official.run_official_checker(str(tmp_path), str(tmp_path), "v3.1")


def test_generate_argv_from_env():
    env = {"CM_PYTHON_BIN_WITH_PATH": "/py", "CM_MLPERF_RESULTS_DIR": "/r es", "CM_MLPERF_INFERENCE_SUBMISSION_DIR": "/s",
           "CM_MLPERF_SUBMISSION_DIVISION": "closed", "CM_MLPERF_SUBMISSION_ROUND": "v3.1",
           "CM_MLPERF_SYSTEM_FIELDS": "cooling=air;status=available", "CM_MLPERF_INFER_SCENARIOS": "yes",
           "CM_MLPERF_RUN_STYLE": "test", "CM_TAR_SUBMISSION_DIR": "yes"}
    argv = cm_env.generate_argv(env)
    assert argv[:3] == ["/py", "-m", "cmperf.submission.generate"]
    assert argv[argv.index("--results-dir") + 1] == "/r es" and argv[argv.index("--version") + 1] == "v3.1"
    assert argv.count("--system-field") == 2 and "--infer-scenarios" in argv and "--test-run" in argv
    assert "--tar" in argv and "--force" not in argv
    assert shlex.split(cm_env.as_command(argv)) == argv
    env["CM_MLPERF_RUN_STYLE"] = "valid"
    assert "--test-run" not in cm_env.generate_argv(env)
    with pytest.raises(cm_env.EnvError, match="CM_MLPERF_RESULTS_DIR"):
        cm_env.generate_argv({})


def _load_hook(name):
    path = os.path.join(ROOT, "script", name, "customize.py")
    spec = importlib.util.spec_from_file_location(f"hook_{name.replace('-', '_')}", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_cm_hooks_build_commands():
    env = {"CM_MLPERF_RESULTS_DIR": "/r", "CM_MLPERF_INFERENCE_SUBMISSION_DIR": "/s"}
    assert _load_hook("generate-mlperf-inference-submission").preprocess({"env": env}) == {"return": 0}
    assert "cmperf.submission.generate" in env["CM_MLPERF_SUBMISSION_GENERATE_CMD"]
    assert _load_hook("run-mlperf-inference-submission-checker").preprocess({"env": env}) == {"return": 0}
    assert "--submission-dir /s" in env["CM_MLPERF_SUBMISSION_CHECKER_CMD"]
    r = _load_hook("generate-mlperf-inference-submission").preprocess({"env": {}})
    assert r["return"] == 1 and "CM_MLPERF_RESULTS_DIR" in r["error"]
